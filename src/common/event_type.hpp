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

} // namespace ocs
