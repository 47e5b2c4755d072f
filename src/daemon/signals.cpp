#include "daemon/signals.hpp"

#include "common/thread_name.hpp"

#include <pthread.h>
#include <signal.h>

namespace ocs::daemon {
namespace {

// SIGUSR2 is internal: it ends the loop when the daemon exits on its own.
sigset_t handledSignals()
{
    sigset_t set;
    sigemptyset(&set);
    for (int signal : {SIGTERM, SIGINT, SIGHUP, SIGUSR2})
        sigaddset(&set, signal);
    return set;
}

} // namespace

void SignalThread::blockSignals()
{
    sigset_t set = handledSignals();
    sigaddset(&set, SIGPIPE);
    // A file over RLIMIT_FSIZE: the write fails (EFBIG) and becomes a
    // StoreUnavailable answer, like a full disk, instead of killing the daemon.
    sigaddset(&set, SIGXFSZ);
    pthread_sigmask(SIG_BLOCK, &set, nullptr);
}

SignalThread::SignalThread(std::function<void()> onStop, std::function<void()> onReload)
    : onStop_(std::move(onStop)), onReload_(std::move(onReload)), thread_([this] {
          nameThisThread("ocs-signals");
          loop();
      })
{
}

SignalThread::~SignalThread()
{
    pthread_kill(thread_.native_handle(), SIGUSR2);
    thread_.join();
}

void SignalThread::loop()
{
    const sigset_t set = handledSignals();
    for (;;) {
        int signal = 0;
        if (sigwait(&set, &signal) != 0)
            continue;
        if (signal == SIGUSR2)
            return;
        if (signal == SIGHUP)
            onReload_();
        else
            onStop_();
    }
}

} // namespace ocs::daemon
