// Signal handling for the daemon: signals are blocked in every thread and
// taken synchronously by one thread with sigwait, so handlers may do real
// work (stop the server, reload accounts, reopen logs).
#pragma once

#include <functional>
#include <thread>

namespace ocs::daemon {

class SignalThread {
public:
    // Call before any other thread starts: the mask is inherited.
    static void blockSignals();

    SignalThread(std::function<void()> onStop, std::function<void()> onReload);
    ~SignalThread();
    SignalThread(const SignalThread&) = delete;
    SignalThread& operator=(const SignalThread&) = delete;

private:
    void loop();

    std::function<void()> onStop_;
    std::function<void()> onReload_;
    std::thread thread_;
};

} // namespace ocs::daemon
