from django.db import migrations, models
from django.db.models import Max


def unpublish_pending_versions(apps, schema_editor):  # type: ignore[no-untyped-def]
    """The latest version of a post that is held or rejected did not pass moderation."""
    Post = apps.get_model("forum", "Post")
    PostRevision = apps.get_model("forum", "PostRevision")
    pending = Post.objects.filter(status__in=["held", "rejected"]).annotate(latest=Max("revisions__number"))
    for post_id, latest in pending.values_list("pk", "latest"):
        PostRevision.objects.filter(post_id=post_id, number=latest).update(published=False)


class Migration(migrations.Migration):

    dependencies = [
        ("forum", "0001_initial"),
    ]

    operations = [
        migrations.AddField(
            model_name="postrevision",
            name="published",
            field=models.BooleanField(default=True),
        ),
        migrations.RunPython(unpublish_pending_versions, migrations.RunPython.noop),
    ]
