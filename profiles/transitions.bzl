"""The one transition that rebuilds targets under chosen //profiles settings.

Used by tests that need the allocator built in a configuration other than the
command line's: a profile (with the box switches its --config bundle sets) and
individual box switches on top. Every other option (--config=asan, -c dbg, ...)
carries over unchanged.
"""

PROFILE_SETTINGS = [
    "//profiles:profile",
    "//profiles:stats",
    "//profiles:prewarm",
    "//profiles:mem_lean",
    "//profiles:lean_classes",
    "//profiles:fault_injection",
]

# The box switches of .bazelrc's --config bundles, so that {"profile":
# "balanced"} means what --config=balanced means. A .bazelrc cannot load a
# .bzl: the two are kept by hand, and //profiles/tests:bazelrc_bundles_test
# fails when they differ.
PROFILE_BUNDLES = {
    "fast": {"stats": "off", "prewarm": "on", "mem_lean": "off", "lean_classes": "on"},
    "balanced": {"stats": "off", "prewarm": "off", "mem_lean": "on", "lean_classes": "on"},
    "observe": {"stats": "on", "prewarm": "on", "mem_lean": "off", "lean_classes": "on"},
}

def _box_settings_transition_impl(settings, attr):
    out = {s: settings[s] for s in PROFILE_SETTINGS}
    wanted = dict(attr.box_settings)
    profile = wanted.get("profile")
    if profile != None:
        if profile not in PROFILE_BUNDLES:
            fail("box_settings: unknown profile '%s'" % profile)
        for name, value in PROFILE_BUNDLES[profile].items():
            out["//profiles:" + name] = value
    for name, value in wanted.items():
        key = "//profiles:" + name
        if key not in out:
            fail("box_settings: unknown setting '%s' (known: %s)" % (name, PROFILE_SETTINGS))
        out[key] = value
    return out

# Reads the rule's `box_settings` attribute (string_dict: setting name in
# //profiles -> value).
box_settings_transition = transition(
    implementation = _box_settings_transition_impl,
    inputs = PROFILE_SETTINGS,
    outputs = PROFILE_SETTINGS,
)
