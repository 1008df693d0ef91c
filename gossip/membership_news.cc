// Membership's rumour queue: which members' news (join, restart, leave,
// protocol 2 reports) is still piggybacked or pushed, and how many more
// times, with rumour mongering's feedback (Demers et al. 1987); and
// protocol 1's fresh heartbeats. See membership.h.
#include <algorithm>
#include <cmath>

#include "gossip/membership.h"

namespace phid {

int Membership::NewsBudget() const {
  int n = size();
  int log2n = static_cast<int>(std::ceil(std::log2(n + 1.0)));
  return options_.news_retransmit_mult * std::max(1, log2n);
}

void Membership::SetNews(Member& member) {
  if (member.failed) return;  // our judgement of it, not news
  SetNewsLeft(member, NewsBudget());
}

void Membership::MarkFresh(Member& member) {
  if (member.fresh) return;
  member.fresh = true;
  Member::Extra& links = ExtraOf(member);
  links.fresh_prev = fresh_tail_;
  links.fresh_next = nullptr;
  if (fresh_tail_ != nullptr) {
    fresh_tail_->extra->fresh_next = &member;
  } else {
    fresh_head_ = &member;
  }
  fresh_tail_ = &member;
  ++fresh_count_;
  // Bounded: under a flood of news the oldest is left to the round-robin.
  while (fresh_count_ > kMaxFresh) UnmarkFresh(*fresh_head_);
}

void Membership::UnmarkFresh(Member& member) {
  if (!member.fresh) return;
  member.fresh = false;
  Member::Extra& links = *member.extra;  // MarkFresh made it
  (links.fresh_prev != nullptr ? links.fresh_prev->extra->fresh_next
                               : fresh_head_) = links.fresh_next;
  (links.fresh_next != nullptr ? links.fresh_next->extra->fresh_prev
                               : fresh_tail_) = links.fresh_prev;
  links.fresh_prev = links.fresh_next = nullptr;
  --fresh_count_;
}

std::vector<const Member*> Membership::TakeFresh(size_t max) {
  std::vector<const Member*> taken;
  taken.reserve(std::min(max, fresh_count_));
  while (fresh_tail_ != nullptr && taken.size() < max) {
    Member* member = fresh_tail_;
    UnmarkFresh(*member);
    taken.push_back(member);
  }
  return taken;
}

std::vector<const Member*> Membership::NewsToSend(size_t max) const {
  std::vector<const Member*> news;
  for (size_t left = news_.size(); left-- > 1 && news.size() < max;) {
    for (const Member* m = news_[left].head; m != nullptr && news.size() < max;
         m = m->news_next) {
      news.push_back(m);
    }
  }
  return news;
}

void Membership::LoseInterest(Member& member) {
  SetNewsLeft(member, std::max(0, std::min(member.news_sends_left - 1,
                                           kSendsAfterFeedback *
                                               options_.news_retransmit_mult)));
}

void Membership::SetNewsLeft(Member& member, int left) {
  int16_t& current = member.news_sends_left;
  if (current > 0) {  // unlink from its bucket
    NewsBucket& bucket = news_[current];
    (member.news_prev ? member.news_prev->news_next : bucket.head) =
        member.news_next;
    (member.news_next ? member.news_next->news_prev : bucket.tail) =
        member.news_prev;
    member.news_prev = member.news_next = nullptr;
  }
  current = static_cast<int16_t>(left);
  if (left <= 0) return;
  if (static_cast<size_t>(left) >= news_.size()) news_.resize(left + 1);
  NewsBucket& bucket = news_[left];  // append: oldest news first
  member.news_prev = bucket.tail;
  (bucket.tail ? bucket.tail->news_next : bucket.head) = &member;
  bucket.tail = &member;
}

void Membership::NewsSent(const Member* sent) {
  if (sent == nullptr || sent->news_sends_left == 0) return;
  // Every Member is ours; the pointer came from NewsToSend or Find.
  Member* member = const_cast<Member*>(sent);
  SetNewsLeft(*member, member->news_sends_left - 1);
}

}  // namespace phid
