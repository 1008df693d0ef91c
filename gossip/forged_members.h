// Forged members for tests and benchmarks of admission and reaping: one
// news datagram announcing members nobody ever ran, "fake-<k>" at distinct
// unicast addresses, as an attacker without the keyring could send.
// Testonly: nothing in phid itself makes them.
#ifndef PHID_GOSSIP_FORGED_MEMBERS_H_
#define PHID_GOSSIP_FORGED_MEMBERS_H_

#include "proto/gossip.pb.h"

namespace phid {

// Members first .. first + count - 1, generation 1, ALIVE (heartbeat 1) or,
// with `left`, LEFT (heartbeat 2), in a NEWS packet from "forger" (kind
// GOSSIP for wire version 1). Unencoded: the caller seals it with its codec.
phi::gossip::v1::Packet ForgedNews(int first, int count, bool left,
                                   int wire_version);

}  // namespace phid

#endif  // PHID_GOSSIP_FORGED_MEMBERS_H_
