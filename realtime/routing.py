from django.urls import URLPattern, path

from realtime.consumer import GatewayConsumer

websocket_urlpatterns: list[URLPattern] = [
    path("ws/", GatewayConsumer.as_asgi()),  # type: ignore[arg-type]
]
