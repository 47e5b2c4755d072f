// Which subscriptions want which queue entry: the rules that decide, for one
// event, the queues that receive an entry.
#pragma once

#include "store/model.hpp"

#include <cstdint>

namespace ocs::queue {

// The fnev bits an entry answers to: its own type's, and for new mail also
// fnevObjectCreated (a new message is a created object).
std::uint16_t wantedBits(const store::QueueEntry& entry);

// Object subscriptions (table None) want entries whose type bit they asked
// for, within their scope: the whole store (fid 0), one folder (events in it,
// moved out of it, or of its child folders), or one message (its URI). Table
// subscriptions ask for fnevTableModified and want the events that change
// their table: messages in the folder for contents tables, child folders
// for the hierarchy table.
bool wants(const store::Subscription& subscription, const store::QueueEntry& entry);

} // namespace ocs::queue
