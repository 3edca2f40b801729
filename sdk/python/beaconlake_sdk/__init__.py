"""BeaconLake's server-side SDK: send events to a BeaconLake collector from Python.

from beaconlake_sdk import Client
client = Client("bl_pub_…", host="http://127.0.0.1:8000")
client.capture("signup", distinct_id="v_123", properties={"plan": "pro"})
client.identify("user_42", {"plan": "pro"}, visitor_id="v_123")
client.shutdown()  # also happens at interpreter exit
"""

from beaconlake_sdk.client import Client, Stats
from beaconlake_sdk.envelope import make_event, split_batches
from beaconlake_sdk.transport import SendResult, Transport
from beaconlake_sdk.version import __version__

__all__ = [
    "Client",
    "SendResult",
    "Stats",
    "Transport",
    "__version__",
    "make_event",
    "split_batches",
]
