#include "tests/watch_recorder.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"

namespace phid {
namespace e2e {

namespace v1 = ::phi::v1;

v1::WatchRequest WatchAt(double threshold) {
  v1::WatchRequest request;
  request.set_phi_threshold(threshold);
  return request;
}

bool IsTransition(const v1::WatchResponse& m, const std::string& name,
                  v1::TransitionReason reason) {
  return m.has_transition() &&
         (name.empty() || m.transition().peer().name() == name) &&
         (reason == v1::TRANSITION_REASON_UNSPECIFIED ||
          m.transition().reason() == reason);
}

absl::StatusOr<std::unique_ptr<WatchRecorder>> WatchRecorder::Start(
    const PhidClient& client, const v1::WatchRequest& request,
    std::string label, absl::Duration timeout) {
  std::unique_ptr<WatchRecorder> recorder(new WatchRecorder(std::move(label)));
  WatchRecorder* r = recorder.get();
  WatchCallbacks callbacks;
  callbacks.on_message = [r](const v1::WatchResponse& m) { r->OnMessage(m); };
  absl::StatusOr<std::unique_ptr<WatchSession>> session =
      client.StartWatch(request, std::move(callbacks));
  if (!session.ok()) return session.status();
  recorder->session_ = *std::move(session);
  if (!recorder->WaitUntil(
          [](const std::vector<ReceivedMessage>& messages) {
            return !messages.empty();
          },
          timeout)) {
    return absl::DeadlineExceededError(
        absl::StrCat("no snapshot from ", recorder->label_, " within ",
                     absl::FormatDuration(timeout)));
  }
  return recorder;
}

WatchRecorder::~WatchRecorder() {
  if (session_ != nullptr) session_->Stop();
}

void WatchRecorder::OnMessage(const v1::WatchResponse& message) {
  const absl::Time now = absl::Now();
  absl::MutexLock lock(&mu_);
  messages_.push_back(ReceivedMessage{message, now});
  changed_.SignalAll();
}

bool WatchRecorder::WaitUntil(
    const std::function<bool(const std::vector<ReceivedMessage>&)>& done,
    absl::Duration timeout) const {
  const absl::Time deadline = absl::Now() + timeout;
  absl::MutexLock lock(&mu_);
  while (!done(messages_)) {
    if (changed_.WaitWithDeadline(&mu_, deadline)) return done(messages_);
  }
  return true;
}

absl::optional<ReceivedMessage> WatchRecorder::WaitForTransition(
    const std::string& name, v1::TransitionReason reason,
    absl::Duration timeout, absl::Time after) const {
  absl::optional<ReceivedMessage> found;
  WaitUntil(
      [&](const std::vector<ReceivedMessage>& messages) {
        for (const ReceivedMessage& m : messages) {
          if (m.received >= after && IsTransition(m.message, name, reason)) {
            found = m;
            return true;
          }
        }
        return false;
      },
      timeout);
  return found;
}

std::vector<ReceivedMessage> WatchRecorder::Transitions(
    const std::string& name, v1::TransitionReason reason) const {
  std::vector<ReceivedMessage> out;
  absl::MutexLock lock(&mu_);
  for (const ReceivedMessage& m : messages_) {
    if (IsTransition(m.message, name, reason)) out.push_back(m);
  }
  return out;
}

std::vector<ReceivedMessage> WatchRecorder::Messages() const {
  absl::MutexLock lock(&mu_);
  return messages_;
}

v1::Snapshot WatchRecorder::snapshot() const {
  absl::MutexLock lock(&mu_);
  for (const ReceivedMessage& m : messages_) {
    if (m.message.has_snapshot()) return m.message.snapshot();
  }
  return v1::Snapshot();
}

std::string WatchRecorder::DescribeTransitions() const {
  std::string out = absl::StrCat("transitions seen by ", label_, ":");
  absl::MutexLock lock(&mu_);
  bool any = false;
  for (const ReceivedMessage& m : messages_) {
    if (!m.message.has_transition()) continue;
    any = true;
    const v1::Transition& t = m.message.transition();
    absl::StrAppend(
        &out, "\n  ",
        absl::FormatTime("%H:%M:%E3S", m.received, absl::LocalTimeZone()), " ",
        t.peer().name(), " ", v1::PeerState_Name(t.previous_state()), " -> ",
        v1::PeerState_Name(t.peer().state()), " (",
        v1::TransitionReason_Name(t.reason()), ", phi ", t.phi(),
        ", generation ", t.peer().generation(), ")");
  }
  if (!any) absl::StrAppend(&out, " none");
  return out;
}

}  // namespace e2e
}  // namespace phid
