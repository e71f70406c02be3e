"""The demo shop: its data file, the loader that validates it and the seeder."""
from bot.seed.loader import DEFAULT_PATH, load_demo_shop
from bot.seed.seeder import DemoIdentity, SeedSummary, seed_demo
from bot.seed.spec import DemoShop, SeedError

__all__ = [
    "DEFAULT_PATH",
    "DemoIdentity",
    "DemoShop",
    "SeedError",
    "SeedSummary",
    "load_demo_shop",
    "seed_demo",
]
