// What an account may report: which backends and which event types.
#pragma once

#include "common/event_type.hpp"

#include <string>
#include <string_view>
#include <vector>

namespace ocs::auth {

using ocs::EventType;
using ocs::eventTypeName;
using ocs::parseEventType;

struct Permissions {
    // Backend names, or the single entry "*" for every backend. Empty: none.
    std::vector<std::string> backends;
    // Event types the account may report.
    std::vector<EventType> eventTypes;

    bool allowsBackend(std::string_view backend) const;
    bool allowsEvent(EventType type) const;
};

} // namespace ocs::auth
