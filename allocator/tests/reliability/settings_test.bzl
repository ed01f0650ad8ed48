"""A test that runs a binary built with some of //profiles' settings overridden.

`settings_test(name, binary, box_settings)` rebuilds `binary` (and so the
allocator it links) under a Starlark transition, e.g. with the fault injection
box compiled in or in the BALANCED profile, whatever the command line says.
Every other option (--config=asan, -c dbg, ...) carries over unchanged.
"""

_SETTINGS = [
    "//profiles:profile",
    "//profiles:stats",
    "//profiles:prewarm",
    "//profiles:mem_lean",
    "//profiles:fault_injection",
]

# The --config bundles of .bazelrc, so that "profile": "balanced" means what
# --config=balanced means.
_PROFILE_BUNDLES = {
    "fast": {"stats": "off", "prewarm": "on", "mem_lean": "off"},
    "balanced": {"stats": "off", "prewarm": "off", "mem_lean": "on"},
    "observe": {"stats": "on", "prewarm": "on", "mem_lean": "off"},
}

def _settings_transition_impl(settings, attr):
    out = {s: settings[s] for s in _SETTINGS}
    wanted = dict(attr.box_settings)
    profile = wanted.get("profile")
    if profile != None:
        if profile not in _PROFILE_BUNDLES:
            fail("box_settings: unknown profile '%s'" % profile)
        for name, value in _PROFILE_BUNDLES[profile].items():
            out["//profiles:" + name] = value
    for name, value in wanted.items():
        key = "//profiles:" + name
        if key not in out:
            fail("box_settings: unknown setting '%s' (known: %s)" % (name, _SETTINGS))
        out[key] = value
    return out

_settings_transition = transition(
    implementation = _settings_transition_impl,
    inputs = _SETTINGS,
    outputs = _SETTINGS,
)

def _settings_test_impl(ctx):
    info = ctx.attr.binary[0][DefaultInfo]
    binary = info.files_to_run.executable
    executable = ctx.actions.declare_file(ctx.label.name)
    ctx.actions.symlink(output = executable, target_file = binary, is_executable = True)
    runfiles = ctx.runfiles(files = [binary]).merge(info.default_runfiles)
    return [DefaultInfo(executable = executable, runfiles = runfiles)]

settings_test = rule(
    implementation = _settings_test_impl,
    test = True,
    doc = "Runs `binary` built with `box_settings` (setting name in //profiles -> value).",
    attrs = {
        "binary": attr.label(cfg = _settings_transition, executable = True, mandatory = True),
        "box_settings": attr.string_dict(mandatory = True),
        "_allowlist_function_transition": attr.label(
            default = "@bazel_tools//tools/allowlists/function_transition_allowlist",
        ),
    },
)
