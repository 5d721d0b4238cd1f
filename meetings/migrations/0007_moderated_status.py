"""A chat line's moderation status replaces its visible flag, so its author can be told whether it
awaits review, was hidden after flags or was rejected (with the moderator's reason)."""

from django.db import migrations, models

STATUS = models.CharField(
    choices=[
        ("published", "Published"),
        ("held", "Awaiting review"),
        ("hidden", "Hidden after members' flags"),
        ("rejected", "Rejected"),
    ],
    default="published",
    max_length=10,
)


def held_when_not_visible(apps, schema_editor):
    apps.get_model("meetings", "ChatMessage").objects.filter(visible=False).update(status="held")


class Migration(migrations.Migration):
    dependencies = [
        ("meetings", "0006_lessons_moved"),
    ]

    operations = [
        migrations.AddField(model_name="chatmessage", name="status", field=STATUS),
        migrations.AddField(
            model_name="chatmessage",
            name="status_reason",
            field=models.CharField(blank=True, help_text="A moderator's reason, for the author.", max_length=500),
        ),
        migrations.RunPython(held_when_not_visible, migrations.RunPython.noop),
        migrations.RemoveField(model_name="chatmessage", name="visible"),
    ]
