#include "stacksession.h"

#include "controlserver.h"

#include <core/engine/dockerclient.h>
#include <core/stack/stackcontroller.h>

namespace Shoal::App {

StackSession::StackSession(const Core::EngineEndpoint &endpoint,
                           const Core::ComposeProject &project, QObject *parent)
    : QObject(parent)
    , m_client(new Core::DockerClient(endpoint, this))
    , m_stack(new Core::StackController(m_client, project, this))
    , m_control(new ControlServer(m_stack, this))
{
    if (!m_control->listen()) {
        m_controlError = m_control->errorString();
    }
}

} // namespace Shoal::App
