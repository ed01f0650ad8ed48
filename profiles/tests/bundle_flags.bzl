"""Writes PROFILE_BUNDLES (transitions.bzl) as the flags of .bazelrc's --config bundles.

One line per profile, `<profile> <flag> <flag> ...`, flags sorted, so that
bazelrc_bundles_test can compare the two copies of each bundle: the .bazelrc
cannot load a .bzl, and the transition cannot read the .bazelrc.
"""

load("//profiles:transitions.bzl", "PROFILE_BUNDLES")

def _bundle_flags_impl(ctx):
    lines = []
    for profile in sorted(PROFILE_BUNDLES.keys()):
        flags = ["--//profiles:profile=" + profile]
        for name, value in PROFILE_BUNDLES[profile].items():
            flags.append("--//profiles:%s=%s" % (name, value))
        lines.append(" ".join([profile] + sorted(flags)))
    out = ctx.actions.declare_file(ctx.label.name + ".txt")
    ctx.actions.write(out, "\n".join(lines) + "\n")
    return [DefaultInfo(files = depset([out]), runfiles = ctx.runfiles(files = [out]))]

bundle_flags = rule(implementation = _bundle_flags_impl)
