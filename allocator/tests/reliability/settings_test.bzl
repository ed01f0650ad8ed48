"""A test that runs a binary built with some of //profiles' settings overridden.

`settings_test(name, binary, box_settings)` rebuilds `binary` (and so the
allocator it links) under a Starlark transition, e.g. with the fault injection
box compiled in or in the BALANCED profile, whatever the command line says.
Every other option (--config=asan, -c dbg, ...) carries over unchanged.
"""

load("//profiles:transitions.bzl", "box_settings_transition")

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
        "binary": attr.label(cfg = box_settings_transition, executable = True, mandatory = True),
        "box_settings": attr.string_dict(mandatory = True),
        "_allowlist_function_transition": attr.label(
            default = "@bazel_tools//tools/allowlists/function_transition_allowlist",
        ),
    },
)
