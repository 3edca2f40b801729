/* Loads the BeaconLake browser SDK with the demo project's write key.
 * `beaconlake up` writes the key into /demo/config.js (gitignored) as window.BEACONLAKE_DEMO_KEY;
 * this file turns it into the SDK's script tag:
 *   <script src="/sdk/beaconlake.js" data-key="bl_pub_…" data-host="">
 * data-host="" means "the origin that served this page", i.e. the collector. */
(function () {
  var key = window.BEACONLAKE_DEMO_KEY;
  if (!key) {
    document.addEventListener("DOMContentLoaded", function () {
      var note = document.createElement("p");
      note.className = "notice";
      note.textContent =
        "No demo key: start the stack with `beaconlake up` (it writes /demo/config.js), " +
        "or run `beaconlake demo config --key bl_pub_…`.";
      document.body.prepend(note);
    });
    return;
  }
  var s = document.createElement("script");
  s.src = "/sdk/beaconlake.js";
  s.async = true;
  s.setAttribute("data-key", key);
  s.setAttribute("data-host", window.BEACONLAKE_DEMO_HOST || "");
  // The demo runs on 127.0.0.1, which the SDK skips by default.
  s.setAttribute("data-allow-localhost", "true");
  // More SDK options from config.js, e.g. {allowWebdriver: true} for browser tests.
  var extra = window.BEACONLAKE_DEMO_OPTIONS || {};
  Object.keys(extra).forEach(function (k) {
    s.setAttribute("data-" + k.replace(/[A-Z]/g, function (c) { return "-" + c.toLowerCase(); }), String(extra[k]));
  });
  s.onload = function () { window.dispatchEvent(new Event("beaconlake:ready")); };
  document.head.appendChild(s);
})();
