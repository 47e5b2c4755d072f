#include "store/model.hpp"

namespace ocs::store {
namespace {

// The global counter is kept big-endian inside its 6 bytes (MS-OXCDATA
// GLOBCNT), so within the little-endian 64-bit id its bytes are reversed.
std::uint64_t swap48(std::uint64_t value)
{
    std::uint64_t out = 0;
    for (int i = 0; i < 6; ++i) {
        out = (out << 8) | (value & 0xff);
        value >>= 8;
    }
    return out;
}

} // namespace

Mid makeMapiId(std::uint64_t globalCounter, std::uint16_t replicaId)
{
    return (swap48(globalCounter & kMaxGlobalCounter) << 16) | replicaId;
}

std::uint64_t globalCounterOf(Mid id)
{
    return swap48(id >> 16);
}

std::uint16_t replicaIdOf(Mid id)
{
    return static_cast<std::uint16_t>(id & 0xffff);
}

std::uint16_t fnevOf(EventType type)
{
    switch (type) {
    case EventType::NewMail:
        return fnev::NewMail;
    case EventType::ObjectCreated:
        return fnev::ObjectCreated;
    case EventType::ObjectModified:
        return fnev::ObjectModified;
    case EventType::ObjectDeleted:
        return fnev::ObjectDeleted;
    case EventType::ObjectMoved:
        return fnev::ObjectMoved;
    case EventType::ObjectCopied:
        break;
    }
    return fnev::ObjectCopied;
}

QueueKey queueOf(const std::string& user, const Subscription& subscription)
{
    return QueueKey{user, subscription.fid, subscription.table};
}

} // namespace ocs::store
