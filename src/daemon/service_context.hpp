// The daemon's master gSOAP context: its I/O modes and every input limit and
// timeout of the configuration. Each worker serves on a copy of it, and the
// request fuzz target (tests/fuzz/fuzz_soap_request.cpp) parses with the same
// settings, so what is fuzzed is what the daemon runs.
#pragma once

#include <memory>

struct soap;

namespace ocs {
struct Config;
}

namespace ocs::daemon {

struct FreeSoapContext {
    void operator()(struct soap* soap) const;
};
using SoapContext = std::unique_ptr<struct soap, FreeSoapContext>;

// Null when the context cannot be allocated.
SoapContext newServiceContext(const Config& config);

} // namespace ocs::daemon
