#include "gossip/monitor_ring.h"

#include "glog/logging.h"

namespace phid {

MonitorRing::MonitorRing(int k) : k_(k) { CHECK_GE(k, 1); }

void MonitorRing::Add(uint64_t id) { ids_.insert(id); }

void MonitorRing::Remove(uint64_t id) { ids_.erase(id); }

bool MonitorRing::Contains(uint64_t id) const { return ids_.contains(id); }

std::vector<uint64_t> MonitorRing::MonitorsOf(uint64_t id) const {
  std::vector<uint64_t> monitors;
  const size_t n = ids_.size();
  if (n == 0) return monitors;
  // The first member strictly after `id`, wrapping around.
  auto it = ids_.upper_bound(id);
  for (size_t step = 0; step < n && monitors.size() < static_cast<size_t>(k_);
       ++step, ++it) {
    if (it == ids_.end()) it = ids_.begin();
    if (*it == id) continue;
    monitors.push_back(*it);
  }
  return monitors;
}

std::vector<uint64_t> MonitorRing::SubjectsOf(uint64_t id) const {
  std::vector<uint64_t> subjects;
  auto it = ids_.find(id);
  if (it == ids_.end()) return subjects;
  const size_t n = ids_.size();
  for (size_t step = 1; step < n && subjects.size() < static_cast<size_t>(k_);
       ++step) {
    if (it == ids_.begin()) it = ids_.end();
    --it;
    subjects.push_back(*it);
  }
  return subjects;
}

bool MonitorRing::IsMonitorOf(uint64_t monitor, uint64_t subject) const {
  for (uint64_t m : MonitorsOf(subject)) {
    if (m == monitor) return true;
  }
  return false;
}

}  // namespace phid
