#include "tools/password_input.hpp"

#include "common/text.hpp"

#include <termios.h>
#include <unistd.h>

#include <fstream>
#include <iostream>

namespace ocs::tools {
namespace {

// Echo off while a password is typed; the terminal is restored whatever happens.
class HiddenInput {
public:
    HiddenInput() : active_(::tcgetattr(STDIN_FILENO, &saved_) == 0)
    {
        if (!active_)
            return;
        termios quiet = saved_;
        quiet.c_lflag &= ~static_cast<tcflag_t>(ECHO);
        ::tcsetattr(STDIN_FILENO, TCSAFLUSH, &quiet);
    }
    ~HiddenInput()
    {
        if (active_) {
            ::tcsetattr(STDIN_FILENO, TCSAFLUSH, &saved_);
            std::cerr << '\n'; // the newline the user typed was not echoed
        }
    }
    HiddenInput(const HiddenInput&) = delete;
    HiddenInput& operator=(const HiddenInput&) = delete;

private:
    termios saved_{};
    bool active_;
};

std::optional<std::string> firstLine(std::istream& in)
{
    std::string line;
    if (!std::getline(in, line) && line.empty())
        return std::nullopt;
    if (!line.empty() && line.back() == '\r')
        line.pop_back();
    return line;
}

std::optional<std::string> promptHidden(const std::string& prompt)
{
    std::cerr << prompt << std::flush;
    const HiddenInput hidden;
    return firstLine(std::cin);
}

std::optional<std::string> readTyped(const PasswordPrompt& prompt, std::string& error)
{
    auto typed = promptHidden(prompt.prompt);
    if (typed && prompt.confirm && promptHidden("Retype the password: ") != typed) {
        error = "the passwords differ";
        return std::nullopt;
    }
    if (!typed)
        error = "no password read from the terminal";
    return typed;
}

std::optional<std::string> readLine(const std::string& file, std::string& error)
{
    if (file.empty()) {
        auto line = firstLine(std::cin);
        if (!line)
            error = "no password on standard input";
        return line;
    }
    std::ifstream in(file);
    auto line = in ? firstLine(in) : std::nullopt;
    if (!line)
        error = "cannot read a password from " + file;
    return line;
}

} // namespace

std::optional<std::string> readPassword(const std::string& file, const PasswordPrompt& prompt, std::string& error)
{
    auto password = file.empty() && ::isatty(STDIN_FILENO) ? readTyped(prompt, error) : readLine(file, error);
    if (!password)
        return std::nullopt;
    if (password->empty()) {
        error = "the password is empty";
        return std::nullopt;
    }
    if (!isValidUtf8(*password)) {
        error = "the password is not valid UTF-8";
        return std::nullopt;
    }
    return password;
}

} // namespace ocs::tools
