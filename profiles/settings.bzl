"""Build settings for hakmem: the profile and each optional box's compile-out switch.

A build setting is a command-line flag (`--//profiles:profile=balanced`); the
`--config=fast|balanced|observe` lines in .bazelrc set them in named bundles.
"""

def _string_setting_impl(ctx):
    allowed = ctx.attr.values
    if allowed and ctx.build_setting_value not in allowed:
        fail("%s: '%s' is not one of %s" % (ctx.label, ctx.build_setting_value, allowed))
    return []

string_setting = rule(
    implementation = _string_setting_impl,
    build_setting = config.string(flag = True),
    attrs = {"values": attr.string_list()},
    doc = "A string-valued command-line build setting restricted to `values`.",
)

def box_switch(name, default = "on"):
    """Declares `name` (on|off) and the config_settings `name_on` / `name_off`."""
    string_setting(
        name = name,
        build_setting_default = default,
        values = ["on", "off"],
        visibility = ["//visibility:public"],
    )
    for state in ["on", "off"]:
        native.config_setting(
            name = "%s_%s" % (name, state),
            flag_values = {":" + name: state},
            visibility = ["//visibility:public"],
        )
