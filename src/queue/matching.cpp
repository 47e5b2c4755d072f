#include "queue/matching.hpp"

namespace ocs::queue {

using store::ObjectKind;
using store::TableType;

std::uint16_t wantedBits(const store::QueueEntry& entry)
{
    std::uint16_t bits = store::fnevOf(entry.type);
    if (entry.type == EventType::NewMail)
        bits |= store::fnev::ObjectCreated;
    return bits;
}

std::optional<store::QueueEntry> folderCountsOf(const store::QueueEntry& entry)
{
    if (!entry.totalCount && !entry.unreadCount)
        return std::nullopt;
    if (entry.kind == ObjectKind::Folder && entry.type == EventType::ObjectModified)
        return std::nullopt; // it carries them itself
    store::QueueEntry counts;
    counts.type = EventType::ObjectModified;
    counts.kind = ObjectKind::Folder;
    counts.fid = entry.fid;
    // A folder's own event knows its parent; a message event knows only the
    // folder the message is in.
    counts.parentFid = entry.kind == ObjectKind::Folder ? entry.parentFid : 0;
    counts.totalCount = entry.totalCount;
    counts.unreadCount = entry.unreadCount;
    return counts;
}

// A copy is not a departure: ObjectCopied ([MS-OXCNOTIF] 2.2.1.1, "an
// existing object has been copied") leaves the original where it was, as
// MAPI's IMAPIFolder::CopyFolder without FOLDER_MOVE does, so the old
// parent keeps its child and its hierarchy table its row.
bool isFolderMovedOutOf(const store::QueueEntry& entry, store::Fid parent)
{
    return entry.kind == ObjectKind::Folder && entry.type == EventType::ObjectMoved && parent != 0 &&
           entry.oldParentFid == parent && entry.parentFid != parent;
}

namespace {

bool inFolder(const store::QueueEntry& entry, store::Fid fid)
{
    return entry.fid == fid || entry.oldFid == fid;
}

// A folder's child folders: those whose parent it is, and those moved or
// copied out of it (OldParentFolderId), as messages moved or copied out of
// a folder concern it.
bool isChildFolderOf(const store::QueueEntry& entry, store::Fid fid)
{
    return entry.kind == ObjectKind::Folder &&
           (entry.parentFid == fid || (isMoveOrCopy(entry.type) && entry.oldParentFid == fid));
}

bool inScope(const store::Subscription& s, const store::QueueEntry& entry)
{
    // A message subscription names its message by URI, as entries do (one
    // without a URI, from before URIs, wants nothing).
    if (s.mid != 0)
        return entry.kind == ObjectKind::Message && !s.messageUri.empty() &&
               (entry.messageUri == s.messageUri || entry.oldMessageUri == s.messageUri);
    if (s.fid != 0)
        return inFolder(entry, s.fid) || isChildFolderOf(entry, s.fid);
    return true;
}

bool wantsAsObject(const store::Subscription& s, const store::QueueEntry& entry)
{
    if ((s.flags & wantedBits(entry)) != 0 && inScope(s, entry))
        return true;
    const auto counts = folderCountsOf(entry);
    return counts && (s.flags & store::fnev::ObjectModified) != 0 && inScope(s, *counts);
}

bool wantsAsTable(const store::Subscription& s, const store::QueueEntry& entry)
{
    // A table belongs to a folder: without one there is nothing to watch.
    if ((s.flags & store::fnev::TableModified) == 0 || s.fid == 0)
        return false;
    if (s.table == TableType::Hierarchy)
        return entry.kind == ObjectKind::Folder && (entry.parentFid == s.fid || isFolderMovedOutOf(entry, s.fid));
    return entry.kind == ObjectKind::Message && inFolder(entry, s.fid);
}

} // namespace

bool wants(const store::Subscription& subscription, const store::QueueEntry& entry)
{
    return subscription.table == TableType::None ? wantsAsObject(subscription, entry)
                                                 : wantsAsTable(subscription, entry);
}

} // namespace ocs::queue
