#include "detector/base/flag_args.h"

#include <algorithm>
#include <iterator>
#include <set>
#include <string>

#include "absl/flags/commandlineflag.h"
#include "absl/flags/reflection.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"

namespace phid {
namespace {

// absl::ParseCommandLine handles these itself; they are not registered
// flags, so absl::FindCommandLineFlag does not know them.
constexpr absl::string_view kAbslUsageFlags[] = {
    "help",    "helpfull",        "helpshort", "helppackage",
    "version", "only_check_args", "helpon",    "helpmatch"};

bool IsAbslUsageFlag(absl::string_view name) {
  return std::find(std::begin(kAbslUsageFlags), std::end(kAbslUsageFlags),
                   name) != std::end(kAbslUsageFlags);
}

}  // namespace

absl::StatusOr<std::set<std::string>> CheckFlagArguments(int argc,
                                                         char** argv) {
  std::set<std::string> given;
  for (int i = 1; i < argc; ++i) {
    absl::string_view arg = argv[i];
    if (arg == "--") break;
    if (arg == "-" || !absl::ConsumePrefix(&arg, "-")) continue;  // operand
    absl::ConsumePrefix(&arg, "-");
    const size_t equals = arg.find('=');
    std::string name(arg.substr(0, equals));
    if (IsAbslUsageFlag(name)) continue;  // --help, --helpon=phictl...
    absl::CommandLineFlag* flag = absl::FindCommandLineFlag(name);
    if (flag == nullptr && absl::StartsWith(name, "no") &&
        equals == absl::string_view::npos) {
      // --nojson negates the boolean --json.
      absl::CommandLineFlag* negated =
          absl::FindCommandLineFlag(name.substr(2));
      if (negated != nullptr && negated->IsOfType<bool>()) {
        given.insert(name.substr(2));
        continue;
      }
    }
    if (flag == nullptr) {
      return absl::InvalidArgumentError(absl::StrCat("unknown flag --", name));
    }
    given.insert(name);
    std::string value;
    if (equals != absl::string_view::npos) {
      value = std::string(arg.substr(equals + 1));
    } else if (flag->IsOfType<bool>()) {
      continue;  // --json
    } else if (i + 1 < argc) {
      value = argv[++i];  // --target host:port
    } else {
      return absl::InvalidArgumentError(
          absl::StrCat("--", name, " needs a value"));
    }
    std::string error;
    if (!flag->ParseFrom(value, &error)) {
      return absl::InvalidArgumentError(
          absl::StrCat("bad value for --", name, ": ", error));
    }
  }
  return given;
}

}  // namespace phid
