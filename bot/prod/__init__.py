"""What ``python -m bot.launcher`` starts and writes, one concept per module.

- ``topology``: who listens on which port in the production profile.
- ``nginx``: nginx's config, for ``make run-prod`` and for deploy/ (Compose, Kubernetes).
- ``services``: the outside services (PostgreSQL, Redis, RabbitMQ, nginx's binary), their
  defaults and checks.
- ``rasa_config``: Rasa's endpoints file (lock store, event broker) and HTTP API token.
- ``database``: the application database and Rasa's tracker store, before servers start.
- ``environment``: the settings the profile hands each of its processes.
- ``stack``: the profile's processes, started, watched and stopped together.

``rasa_config`` and ``database`` serve ``make run`` and the containers of deploy/ too.
"""
