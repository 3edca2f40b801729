"""The demo: a static shop served by the collector (demo/shop) and a synthetic traffic generator."""
