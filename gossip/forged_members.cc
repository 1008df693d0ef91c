#include "gossip/forged_members.h"

#include "absl/strings/str_cat.h"

namespace phid {

namespace wire = phi::gossip::v1;

wire::Packet ForgedNews(int first, int count, bool left, int wire_version) {
  wire::Packet news;
  news.set_kind(wire_version == 1 ? wire::PACKET_KIND_GOSSIP
                                  : wire::PACKET_KIND_NEWS);
  news.set_sender("forger");
  news.set_sender_generation(1);
  for (int k = first; k < first + count; ++k) {
    wire::DigestEntry* e = news.add_entries();
    e->set_name(absl::StrCat("fake-", k));
    e->set_address(absl::StrCat("10.", 100 + k / 62500, ".", k / 250 % 250, ".",
                                k % 250 + 1, ":7946"));
    e->set_generation(1);
    e->set_heartbeat(left ? 2 : 1);
    e->set_status(left ? wire::MEMBER_STATUS_LEFT : wire::MEMBER_STATUS_ALIVE);
  }
  return news;
}

}  // namespace phid
