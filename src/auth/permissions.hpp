// What an account may report: which backends and which event types.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace ocs::auth {

// The event types of the Notification contract (wsdl/ocsmanager.xsd EventType).
enum class EventType { NewMail, ObjectCreated, ObjectModified, ObjectDeleted, ObjectMoved, ObjectCopied };

std::string_view eventTypeName(EventType type);
bool parseEventType(std::string_view name, EventType& out);

struct Permissions {
    // Backend names, or the single entry "*" for every backend. Empty: none.
    std::vector<std::string> backends;
    // Event types the account may report.
    std::vector<EventType> eventTypes;

    bool allowsBackend(std::string_view backend) const;
    bool allowsEvent(EventType type) const;
};

} // namespace ocs::auth
