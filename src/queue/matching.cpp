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

namespace {

bool inFolder(const store::QueueEntry& entry, store::Fid fid)
{
    return entry.fid == fid || entry.oldFid == fid;
}

bool wantsAsObject(const store::Subscription& s, const store::QueueEntry& entry)
{
    if ((s.flags & wantedBits(entry)) == 0)
        return false;
    // A message subscription names its message by URI, as entries do (one
    // without a URI, from before URIs, wants nothing).
    if (s.mid != 0)
        return entry.kind == ObjectKind::Message && !s.messageUri.empty() &&
               (entry.messageUri == s.messageUri || entry.oldMessageUri == s.messageUri);
    if (s.fid != 0)
        return inFolder(entry, s.fid) || (entry.kind == ObjectKind::Folder && entry.parentFid == s.fid);
    return true;
}

bool wantsAsTable(const store::Subscription& s, const store::QueueEntry& entry)
{
    // A table belongs to a folder: without one there is nothing to watch.
    if ((s.flags & store::fnev::TableModified) == 0 || s.fid == 0)
        return false;
    if (s.table == TableType::Hierarchy)
        return entry.kind == ObjectKind::Folder && entry.parentFid != 0 && entry.parentFid == s.fid;
    return entry.kind == ObjectKind::Message && inFolder(entry, s.fid);
}

} // namespace

bool wants(const store::Subscription& subscription, const store::QueueEntry& entry)
{
    return subscription.table == TableType::None ? wantsAsObject(subscription, entry)
                                                 : wantsAsTable(subscription, entry);
}

} // namespace ocs::queue
