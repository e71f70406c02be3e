"""Who listens where in the production profile: nginx in front, the Rasa replicas,
action servers and WeChat gateways on loopback ports behind it."""
from __future__ import annotations

from dataclasses import dataclass

from bot.settings import Settings


@dataclass(frozen=True)
class ProdTopology:
    """Who listens where: nginx on ``rasa_port`` (Rasa) and ``actions_port`` (actions),
    the replicas, action servers and WeChat gateways on their own loopback ports behind
    it (no gateway: Rasa's replicas take WeChat's webhook themselves)."""

    rasa_port: int
    actions_port: int
    rasa_ports: tuple[int, ...]
    action_ports: tuple[int, ...]
    gateway_ports: tuple[int, ...] = ()
    host: str = "127.0.0.1"

    @classmethod
    def from_settings(cls, settings: Settings) -> "ProdTopology":
        """nginx on RASA_PORT / ACTIONS_PORT; replicas on the ports right after them, the
        gateways after the replicas."""
        after_replicas = settings.rasa_port + 1 + settings.rasa_replicas
        return cls(settings.rasa_port, settings.actions_port,
                   tuple(settings.rasa_port + 1 + n for n in range(settings.rasa_replicas)),
                   tuple(settings.actions_port + 1 + n for n in range(settings.action_servers)),
                   tuple(after_replicas + n for n in range(settings.wechat_gateways)))

    @property
    def url(self) -> str:
        """The public address: nginx's Rasa port."""
        return f"http://{self.host}:{self.rasa_port}"
