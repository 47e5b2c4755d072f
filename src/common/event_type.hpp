// The event types of the Notification contract (wsdl/ocsmanager.xsd
// EventType): what producers report, what accounts are allowed, what queue
// entries record.
#pragma once

#include <cstdint>
#include <string_view>

namespace ocs {

enum class EventType : std::uint8_t {
    NewMail,
    ObjectCreated,
    ObjectModified,
    ObjectDeleted,
    ObjectMoved,
    ObjectCopied,
};

std::string_view eventTypeName(EventType type);
bool parseEventType(std::string_view name, EventType& out);

// Moves and copies: the object was somewhere else before (old folder, old message).
bool isMoveOrCopy(EventType type);
// The event puts a message at its URI: seeing that again is a duplicate, and
// a message new to OpenChange gets an id for it.
bool bringsMessage(EventType type);
} // namespace ocs
