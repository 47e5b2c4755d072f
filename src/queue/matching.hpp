// Which subscriptions want which queue entry: the rules that decide, for one
// event, the queues that receive an entry.
#pragma once

#include "store/model.hpp"

#include <cstdint>
#include <optional>

namespace ocs::queue {

// The fnev bits an entry answers to: its own type's, and for new mail also
// fnevObjectCreated (a new message is a created object).
std::uint16_t wantedBits(const store::QueueEntry& entry);

// The counts an entry carries, as the folder ObjectModified they are told
// as when the entry's own notification may not carry them: T and U go only
// with NotificationType 0x0010 ([MS-OXCNOTIF] 2.2.1.4.1.2, "If this bit is
// set, the NotificationType MUST be 0x0010"). The folder is the message's
// for a message event, the folder itself (with its parent) for a folder
// event. nullopt: no counts, or a folder ObjectModified, which carries them.
std::optional<store::QueueEntry> folderCountsOf(const store::QueueEntry& entry);

// Whether the entry is a folder moved out of `parent` (OldParentFolderId)
// to another parent. A copy never is: the original stays.
bool isFolderMovedOutOf(const store::QueueEntry& entry, store::Fid parent);

// Object subscriptions (table None) want entries whose type bit they asked
// for, within their scope: the whole store (fid 0), one folder (events in it,
// moved or copied out of it, or of its child folders, including those moved
// or copied out of it), or one message (its URI); and, asking for
// fnevObjectModified, entries whose folder counts (folderCountsOf) fall in
// their scope. Table subscriptions ask for fnevTableModified and want the
// events that change their table: messages in the folder or moved out of it
// for contents tables, child folders and folders moved out of it for the
// hierarchy table.
bool wants(const store::Subscription& subscription, const store::QueueEntry& entry);

} // namespace ocs::queue
