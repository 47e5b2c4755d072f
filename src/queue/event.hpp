// An event as a producer reports it (NewMail, or one event of a Notify
// batch), before it is resolved to users, ids and queues.
#pragma once

#include "common/event_type.hpp"
#include "store/model.hpp"

#include <cstdint>
#include <optional>
#include <string>

namespace ocs::queue {

struct Event {
    EventType type = EventType::NewMail;
    store::ObjectKind kind = store::ObjectKind::Message;
    std::string backend;
    std::string username;     // the backend's user
    std::string folder;       // a message event: its folder; a folder event: the folder itself
    std::string messageId;    // message events
    std::string oldFolder;    // moves and copies: where the object was
    std::string oldMessageId; // moves and copies of messages (default: messageId)
    std::string parentFolder; // folder events: the parent, when the producer knows it
    std::string oldParentFolder; // folder moves and copies: the parent it had, when the producer knows it
    std::optional<std::string> messageClass;
    std::optional<std::uint32_t> flags;
    std::optional<std::uint32_t> totalCount;
    std::optional<std::uint32_t> unreadCount;
};

enum class Delivery { Queued, Duplicate };

struct EventResult {
    Delivery status = Delivery::Queued;
    unsigned queues = 0; // queues that received an entry (0: nobody subscribed)
};

} // namespace ocs::queue
