"""BeaconLake: the shared settings and the `beaconlake` command."""
