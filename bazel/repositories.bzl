"""Repository rules that make the build work offline from Debian's packages.

Two rules live here:
  * debian_rules_cc: copies Debian's bazel-rules-cc and patches the two files
    that need a newer Bazel than Debian's 4.2.3 (see
    shared/notes/bazel-offline.md).
  * system_libraries: wraps system libraries as cc_library targets whose link
    flags come from pkg-config on the machine that builds, so they are right on
    any Debian release that ships the packages.
"""

_RULES_CC_DIR = "/usr/share/bazel/rules/cc"
_PATCHED = [
    "cc/private/rules_impl/compiler_flag.bzl",
    "cc/private/rules_impl/cc_flags_supplier.bzl",
]

def _debian_rules_cc_impl(ctx):
    src = ctx.path(_RULES_CC_DIR)
    if not src.exists:
        fail("%s is missing: run tools/setup.sh (installs bazel-rules-cc)" % _RULES_CC_DIR)
    result = ctx.execute(["cp", "-r", str(src) + "/.", "."])
    if result.return_code != 0:
        fail("copying rules_cc failed: " + result.stderr)
    for path in _PATCHED:
        text = ctx.read(path)
        text = text.replace(', "use_cpp_toolchain")', ")")
        text = text.replace("use_cpp_toolchain()", '["@bazel_tools//tools/cpp:toolchain_type"]')
        ctx.file(path, text)

debian_rules_cc = repository_rule(
    implementation = _debian_rules_cc_impl,
    local = True,
)

def _pkg_config(ctx, args):
    result = ctx.execute(["pkg-config"] + args)
    if result.return_code != 0:
        fail("pkg-config %s failed: %s\nRun tools/setup.sh to install the Debian packages." %
             (" ".join(args), result.stderr))
    return [f for f in result.stdout.strip().split(" ") if f]

def _system_libraries_impl(ctx):
    lines = ['package(default_visibility = ["//visibility:public"])', ""]
    for name, spec in ctx.attr.libraries.items():
        parts = spec.split(";")
        modules = [m for m in parts[0].split(" ") if m]
        extra = [f for f in parts[1].split(" ") if f] if len(parts) > 1 else []
        linkopts = []
        copts = []
        if modules:
            linkopts = _pkg_config(ctx, ["--libs"] + modules)
            copts = [f for f in _pkg_config(ctx, ["--cflags"] + modules) if not f.startswith("-I/usr/include")]
        linkopts = linkopts + extra
        lines.append("cc_library(")
        lines.append('    name = "%s",' % name)
        lines.append("    copts = %s," % repr(copts))
        lines.append("    linkopts = %s," % repr(linkopts))
        lines.append(")")
        lines.append("")
    ctx.file("WORKSPACE", 'workspace(name = "%s")\n' % ctx.name)
    ctx.file("BUILD.bazel", "\n".join(lines))

system_libraries = repository_rule(
    implementation = _system_libraries_impl,
    attrs = {
        # name -> "pkg-config modules;extra linker flags"
        "libraries": attr.string_dict(mandatory = True),
    },
    local = True,
)
