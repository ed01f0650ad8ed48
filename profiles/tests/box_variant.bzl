"""Builds the allocator under chosen box switches, for compile-out tests.

`box_variant` rebuilds its dependencies with some of //profiles' build settings
overridden (a Starlark transition), whatever the command line says. It writes a
manifest naming what was built, one `<role> <runfiles path>` per line:

  archive  every static library and object of `library`'s link (CcInfo)
  shared   `shared_library`'s output (libhakmem.so)
  smoke    `smoke`, a program that exercises the allocator in this configuration

and makes those files its runfiles, so a test can run nm over them.
"""

load("//profiles:transitions.bzl", "box_settings_transition")

def _link_files(cc_info):
    files = []
    for linker_input in cc_info.linking_context.linker_inputs.to_list():
        for lib in linker_input.libraries:
            for f in [lib.static_library, lib.pic_static_library]:
                if f != None:
                    files.append(f)
            files.extend(lib.objects or [])
            files.extend(lib.pic_objects or [])
    return files

def _box_variant_impl(ctx):
    lines = []
    runfiles = []
    for f in _link_files(ctx.attr.library[0][CcInfo]):
        lines.append("archive " + f.short_path)
        runfiles.append(f)
    for f in ctx.attr.shared_library[0][DefaultInfo].files.to_list():
        lines.append("shared " + f.short_path)
        runfiles.append(f)
    smoke_info = ctx.attr.smoke[0][DefaultInfo]
    smoke = smoke_info.files_to_run.executable
    lines.append("smoke " + smoke.short_path)
    lines.append("settings " + " ".join(["%s=%s" % kv for kv in sorted(ctx.attr.box_settings.items())]))
    manifest = ctx.actions.declare_file(ctx.label.name + ".manifest")
    ctx.actions.write(manifest, "\n".join(lines) + "\n")
    rf = ctx.runfiles(files = runfiles + [manifest, smoke]).merge(smoke_info.default_runfiles)
    return [DefaultInfo(files = depset([manifest]), default_runfiles = rf, data_runfiles = rf)]

box_variant = rule(
    implementation = _box_variant_impl,
    doc = "The allocator built with `box_settings` (e.g. {\"stats\": \"on\"}) overriding //profiles' settings.",
    attrs = {
        "box_settings": attr.string_dict(doc = "setting name in //profiles -> value"),
        "library": attr.label(cfg = box_settings_transition, providers = [CcInfo], mandatory = True),
        "shared_library": attr.label(cfg = box_settings_transition, mandatory = True),
        "smoke": attr.label(cfg = box_settings_transition, executable = True, mandatory = True),
        "_allowlist_function_transition": attr.label(
            default = "@bazel_tools//tools/allowlists/function_transition_allowlist",
        ),
    },
)
