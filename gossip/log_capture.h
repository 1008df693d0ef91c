// LogCapture: collects what glog logs while it is alive (testonly), so a
// test can assert that a warning was logged, what it names, and how often.
//
//   LogCapture log;
//   ... code under test ...
//   EXPECT_EQ(log.Count(google::GLOG_WARNING, "wrong_cluster"), 1);
//
// Thread safety: lines may be logged from any thread; read them after the
// code under test has returned.
#ifndef PHID_GOSSIP_LOG_CAPTURE_H_
#define PHID_GOSSIP_LOG_CAPTURE_H_

#include <string>
#include <utility>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "glog/logging.h"

namespace phid {

class LogCapture final : public google::LogSink {
 public:
  LogCapture() { google::AddLogSink(this); }
  ~LogCapture() override { google::RemoveLogSink(this); }
  LogCapture(const LogCapture&) = delete;
  LogCapture& operator=(const LogCapture&) = delete;

  void send(google::LogSeverity severity, const char* full_filename,
            const char* base_filename, int line, const struct ::tm* tm_time,
            const char* message, size_t message_len) override {
    (void)full_filename;
    (void)base_filename;
    (void)line;
    (void)tm_time;
    absl::MutexLock lock(&mu_);
    lines_.emplace_back(severity, std::string(message, message_len));
  }

  // Lines of exactly `severity` that contain every one of `parts`.
  int Count(google::LogSeverity severity,
            std::initializer_list<absl::string_view> parts) const {
    absl::MutexLock lock(&mu_);
    int n = 0;
    for (const auto& [s, text] : lines_) {
      if (s != severity) continue;
      bool all = true;
      for (absl::string_view part : parts) {
        all = all && text.find(std::string(part)) != std::string::npos;
      }
      n += all;
    }
    return n;
  }
  // Every line, for failure messages.
  std::string All() const {
    absl::MutexLock lock(&mu_);
    std::string all;
    for (const auto& [s, text] : lines_) all += text + "\n";
    return all;
  }
  void Clear() {
    absl::MutexLock lock(&mu_);
    lines_.clear();
  }

 private:
  mutable absl::Mutex mu_;
  std::vector<std::pair<google::LogSeverity, std::string>> lines_
      ABSL_GUARDED_BY(mu_);
};

}  // namespace phid

#endif  // PHID_GOSSIP_LOG_CAPTURE_H_
