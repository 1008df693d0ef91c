// A main() for fuzz targets built without libFuzzer (gcc, Bazel): runs
// LLVMFuzzerTestOneInput once on each file named on the command line, and on
// every regular file inside each directory named (a corpus). Use it to replay
// crash reproducers and to keep a corpus as a regression test.
//
//   bazel build //gossip:packet_codec_fuzz
//   bazel-bin/gossip/packet_codec_fuzz crash-1234 corpus/
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <string>
#include <system_error>
#include <vector>

#include "absl/status/statusor.h"
#include "detector/base/file_read.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size);

namespace {

bool RunFile(const std::filesystem::path& path) {
  const absl::StatusOr<std::string> input = phid::ReadFileToString(path);
  if (!input.ok()) {
    std::fprintf(stderr, "%s\n", std::string(input.status().message()).c_str());
    return false;
  }
  LLVMFuzzerTestOneInput(reinterpret_cast<const uint8_t*>(input->data()),
                         input->size());
  return true;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: %s FILE_OR_DIR...\n", argv[0]);
    return 2;
  }
  int ran = 0;
  bool ok = true;
  for (int i = 1; i < argc; ++i) {
    const std::filesystem::path path(argv[i]);
    std::error_code error;
    if (std::filesystem::is_directory(path, error)) {
      std::vector<std::filesystem::path> files;
      for (const auto& entry :
           std::filesystem::recursive_directory_iterator(path, error)) {
        if (entry.is_regular_file()) files.push_back(entry.path());
      }
      if (error) {
        std::fprintf(stderr, "cannot list %s: %s\n", argv[i],
                     error.message().c_str());
        ok = false;
      }
      std::sort(files.begin(), files.end());  // a stable replay order
      for (const auto& file : files) {
        ok = RunFile(file) && ok;
        ++ran;
      }
    } else {
      ok = RunFile(path) && ok;
      ++ran;
    }
  }
  std::fprintf(stderr, "ran %d input(s)\n", ran);
  return ok ? 0 : 1;
}
