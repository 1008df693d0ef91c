#include "gossip/monitor_ring.h"

#include <algorithm>

#include "glog/logging.h"

namespace phid {

MonitorRing::MonitorRing(int k) : k_(k) { CHECK_GE(k, 1); }

void MonitorRing::Add(uint64_t id) {
  auto it = std::lower_bound(ids_.begin(), ids_.end(), id);
  if (it != ids_.end() && *it == id) return;
  ids_.insert(it, id);
}

void MonitorRing::Remove(uint64_t id) {
  auto it = std::lower_bound(ids_.begin(), ids_.end(), id);
  if (it != ids_.end() && *it == id) ids_.erase(it);
}

bool MonitorRing::Contains(uint64_t id) const {
  return std::binary_search(ids_.begin(), ids_.end(), id);
}

std::vector<uint64_t> MonitorRing::MonitorsOf(uint64_t id) const {
  std::vector<uint64_t> monitors;
  const size_t n = ids_.size();
  if (n == 0) return monitors;
  // The first member strictly after `id`, wrapping around.
  size_t start = std::upper_bound(ids_.begin(), ids_.end(), id) - ids_.begin();
  for (size_t step = 0; step < n && monitors.size() < static_cast<size_t>(k_);
       ++step) {
    uint64_t candidate = ids_[(start + step) % n];
    if (candidate == id) continue;
    monitors.push_back(candidate);
  }
  return monitors;
}

std::vector<uint64_t> MonitorRing::SubjectsOf(uint64_t id) const {
  std::vector<uint64_t> subjects;
  auto it = std::lower_bound(ids_.begin(), ids_.end(), id);
  if (it == ids_.end() || *it != id) return subjects;
  const size_t n = ids_.size();
  const size_t at = it - ids_.begin();
  for (size_t step = 1; step < n && subjects.size() < static_cast<size_t>(k_);
       ++step) {
    subjects.push_back(ids_[(at + n - step) % n]);
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
