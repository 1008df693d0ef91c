#include "client/event_handler.h"

#include <fcntl.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/synchronization/mutex.h"
#include "gtest/gtest.h"

namespace phid {
namespace {

// A fresh directory under TEST_TMPDIR for one test's files.
std::string MakeDirectory() {
  const char* base = std::getenv("TEST_TMPDIR");
  std::string pattern =
      absl::StrCat(base != nullptr ? base : "/tmp", "/handler.XXXXXX");
  char* made = mkdtemp(pattern.data());
  EXPECT_NE(made, nullptr);
  return pattern;
}

std::string ReadFile(const std::string& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

HandlerEvent Event(int sequence) {
  HandlerEvent event;
  event.environment = {{"PHID_SEQUENCE", absl::StrCat(sequence)},
                       {"PHID_PEER", "node-5"}};
  event.json = absl::StrCat("{\"sequence\":\"", sequence, "\"}");
  event.summary =
      absl::StrCat("node-5 ALIVE -> SUSPECT (sequence ", sequence, ")");
  return event;
}

// Collects log lines from any thread.
class LogLines {
 public:
  std::function<void(const std::string&)> Sink() {
    return [this](const std::string& line) {
      absl::MutexLock lock(&mu_);
      lines_.push_back(line);
    };
  }
  std::string Joined() {
    absl::MutexLock lock(&mu_);
    return absl::StrJoin(lines_, "\n");
  }
  size_t size() {
    absl::MutexLock lock(&mu_);
    return lines_.size();
  }

 private:
  absl::Mutex mu_;
  std::vector<std::string> lines_;
};

std::unique_ptr<EventHandler> StartHandler(
    const std::string& program, LogLines* log, size_t queue_capacity = 1024,
    absl::Duration timeout = absl::Seconds(30)) {
  EventHandlerOptions options;
  options.program = program;
  options.queue_capacity = queue_capacity;
  options.timeout = timeout;
  options.log = log->Sink();
  absl::StatusOr<std::unique_ptr<EventHandler>> handler =
      EventHandler::Start(std::move(options));
  EXPECT_TRUE(handler.ok()) << handler.status();
  return handler.ok() ? *std::move(handler) : nullptr;
}

TEST(EventHandlerTest, RunsTheProgramWithTheEventInItsEnvironmentAndOnStdin) {
  const std::string dir = MakeDirectory();
  setenv("PHID_HANDLER_TEST_INHERITED", "yes", 1);
  setenv("PHID_PEER", "from-the-parent", 1);  // the event's value wins
  LogLines log;
  auto handler = StartHandler(
      absl::StrCat("cat > ", dir, "/stdin; env > ", dir, "/env"), &log);
  ASSERT_TRUE(handler->Enqueue(Event(7)));
  handler->Drain();
  EXPECT_EQ(ReadFile(dir + "/stdin"), "{\"sequence\":\"7\"}\n");
  const std::string env = ReadFile(dir + "/env");
  EXPECT_TRUE(absl::StrContains(env, "\nPHID_SEQUENCE=7\n")) << env;
  EXPECT_TRUE(absl::StrContains(env, "\nPHID_PEER=node-5\n")) << env;
  EXPECT_FALSE(absl::StrContains(env, "from-the-parent")) << env;
  EXPECT_TRUE(absl::StrContains(env, "\nPHID_HANDLER_TEST_INHERITED=yes\n"))
      << env;
  EXPECT_EQ(log.Joined(), "");
  EXPECT_EQ(handler->counters().ran, 1u);
  EXPECT_EQ(handler->counters().failed, 0u);
}

TEST(EventHandlerTest, RunsEventsOneAtATimeInOrder) {
  const std::string dir = MakeDirectory();
  LogLines log;
  const std::string out = dir + "/order";
  auto handler =
      StartHandler(absl::StrCat("echo start $PHID_SEQUENCE >> ", out,
                                "; echo end $PHID_SEQUENCE >> ", out),
                   &log);
  std::string expected;
  for (int i = 1; i <= 30; ++i) {
    ASSERT_TRUE(handler->Enqueue(Event(i)));
    absl::StrAppend(&expected, "start ", i, "\nend ", i, "\n");
  }
  handler->Drain();
  EXPECT_EQ(ReadFile(out), expected);
  EXPECT_EQ(handler->counters().ran, 30u);
}

TEST(EventHandlerTest, EnqueueNeverBlocksWhileAProgramRunsAndCountsDrops) {
  const std::string dir = MakeDirectory();
  const std::string gate = dir + "/gate";
  ASSERT_EQ(mkfifo(gate.c_str(), 0600), 0);
  LogLines log;
  // The first event's program waits for the test to open the gate.
  auto handler = StartHandler(
      absl::StrCat("if [ $PHID_SEQUENCE = 1 ]; then read line < ", gate,
                   "; fi; echo $PHID_SEQUENCE >> ", dir, "/ran"),
      &log, /*queue_capacity=*/3);
  ASSERT_TRUE(handler->Enqueue(Event(1)));
  // Opening a FIFO for writing returns once the program opened it to read:
  // event 1 is running, and the queue is empty.
  const int gate_fd = open(gate.c_str(), O_WRONLY);
  ASSERT_GE(gate_fd, 0);
  EXPECT_TRUE(handler->Enqueue(Event(2)));
  EXPECT_TRUE(handler->Enqueue(Event(3)));
  EXPECT_TRUE(handler->Enqueue(Event(4)));
  EXPECT_FALSE(handler->Enqueue(Event(5)));
  EXPECT_FALSE(handler->Enqueue(Event(6)));
  EXPECT_EQ(handler->counters().dropped, 2u);
  EXPECT_TRUE(absl::StrContains(
      log.Joined(),
      "handler: queue full (3 events waiting); dropped node-5 ALIVE -> "
      "SUSPECT (sequence 6) (2 dropped so far)"))
      << log.Joined();
  ASSERT_EQ(write(gate_fd, "go\n", 3), 3);
  close(gate_fd);
  handler->Drain();
  EXPECT_EQ(ReadFile(dir + "/ran"), "1\n2\n3\n4\n");
  EXPECT_EQ(handler->counters().ran, 4u);
}

TEST(EventHandlerTest, KillsAProgramThatOutlivesTheTimeoutThenRunsTheNext) {
  const std::string dir = MakeDirectory();
  const std::string never = dir + "/never";  // nobody ever writes to it
  ASSERT_EQ(mkfifo(never.c_str(), 0600), 0);
  LogLines log;
  auto handler = StartHandler(
      absl::StrCat("if [ $PHID_SEQUENCE = 1 ]; then read line < ", never,
                   "; fi; echo $PHID_SEQUENCE >> ", dir, "/ran"),
      &log, 1024, absl::Milliseconds(200));
  ASSERT_TRUE(handler->Enqueue(Event(1)));
  ASSERT_TRUE(handler->Enqueue(Event(2)));
  handler->Drain();
  EXPECT_EQ(ReadFile(dir + "/ran"), "2\n");
  EXPECT_EQ(log.Joined(),
            "handler for node-5 ALIVE -> SUSPECT (sequence 1) timed out after "
            "200ms; killed it and its process group");
  EXPECT_EQ(handler->counters().ran, 2u);
  EXPECT_EQ(handler->counters().failed, 1u);
}

TEST(EventHandlerTest, LogsANonZeroExitAndGoesOn) {
  const std::string dir = MakeDirectory();
  LogLines log;
  auto handler =
      StartHandler(absl::StrCat("echo $PHID_SEQUENCE >> ", dir,
                                "/ran; [ $PHID_SEQUENCE != 1 ] || exit 3"),
                   &log);
  ASSERT_TRUE(handler->Enqueue(Event(1)));
  ASSERT_TRUE(handler->Enqueue(Event(2)));
  handler->Drain();
  EXPECT_EQ(ReadFile(dir + "/ran"), "1\n2\n");
  EXPECT_EQ(log.Joined(),
            "handler for node-5 ALIVE -> SUSPECT (sequence 1) exited with "
            "status 3");
  EXPECT_EQ(handler->counters().failed, 1u);
}

TEST(EventHandlerTest, LogsAProgramThatDoesNotExist) {
  LogLines log;
  auto handler = StartHandler("/nonexistent/phid-handler", &log);
  ASSERT_TRUE(handler->Enqueue(Event(1)));
  handler->Drain();
  EXPECT_EQ(log.Joined(),
            "handler for node-5 ALIVE -> SUSPECT (sequence 1) exited with "
            "status 127 (command not found)");
}

TEST(EventHandlerTest, LogsAProgramKilledByASignal) {
  LogLines log;
  auto handler = StartHandler("kill -TERM $$", &log);
  ASSERT_TRUE(handler->Enqueue(Event(1)));
  handler->Drain();
  EXPECT_EQ(log.Joined(),
            "handler for node-5 ALIVE -> SUSPECT (sequence 1) was killed by "
            "signal 15");
}

TEST(EventHandlerOptionsTest,
     RefusesAnEmptyProgramATimeoutOutOfRangeAndNoQueue) {
  EventHandlerOptions options;
  EXPECT_TRUE(absl::IsInvalidArgument(options.Validate()));
  options.program = "true";
  EXPECT_TRUE(options.Validate().ok());
  options.timeout = absl::Milliseconds(99);
  EXPECT_TRUE(absl::IsInvalidArgument(options.Validate()));
  options.timeout = absl::Hours(2);
  EXPECT_TRUE(absl::IsInvalidArgument(options.Validate()));
  options.timeout = absl::Seconds(1);
  options.queue_capacity = 0;
  EXPECT_TRUE(absl::IsInvalidArgument(options.Validate()));
  EXPECT_TRUE(absl::IsInvalidArgument(
      EventHandler::Start(std::move(options)).status()));
}

}  // namespace
}  // namespace phid
