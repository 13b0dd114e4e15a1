#include "enginereply.h"

#include "enginelog.h"

#include <QJsonObject>

#include <http_parser.h>

namespace Shoal::Core {

namespace {

// An error page from a proxy in front of the engine can be a whole HTML document; the user
// needs its first words, not all of it.
constexpr qsizetype MaxShownBodyChars = 400;

QString plainTextOf(const QByteArray &body)
{
    QString text = QString::fromUtf8(body.left(MaxShownBodyChars * 4)).simplified();
    for (QChar &c : text) {
        if (!c.isPrint()) {
            c = QLatin1Char('?');
        }
    }
    if (text.size() > MaxShownBodyChars) {
        text = text.left(MaxShownBodyChars) + QStringLiteral("...");
    }
    return text;
}

QString messageOfErrorBody(int status, const QByteArray &body)
{
    QJsonParseError parseError;
    const QJsonDocument doc = QJsonDocument::fromJson(body, &parseError);
    if (parseError.error == QJsonParseError::NoError && doc.isObject()) {
        const QString message = doc.object().value(QLatin1String("message")).toString();
        if (!message.isEmpty()) {
            return message;
        }
    }
    const QString text = plainTextOf(body);
    if (!text.isEmpty()) {
        return QStringLiteral("HTTP %1: %2").arg(status).arg(text);
    }
    return QStringLiteral("HTTP %1 %2")
        .arg(status)
        .arg(QString::fromLatin1(http_status_str(http_status(status))));
}

QString streamErrorOf(const QByteArray &line)
{
    // Build and pull streams report failure as a message of their own, e.g.
    // {"errorDetail":{"message":"..."},"error":"..."}, while the status stays 200.
    if (!line.contains("\"error")) {
        return {};
    }
    const QJsonDocument doc = QJsonDocument::fromJson(line);
    if (!doc.isObject()) {
        return {};
    }
    const QJsonObject object = doc.object();
    const QString detail = object.value(QLatin1String("errorDetail"))
                               .toObject()
                               .value(QLatin1String("message"))
                               .toString();
    if (!detail.isEmpty()) {
        return detail;
    }
    const QJsonValue error = object.value(QLatin1String("error"));
    if (error.isString() && !error.toString().isEmpty()) {
        return error.toString();
    }
    if (object.contains(QLatin1String("errorDetail"))) {
        return QStringLiteral("the engine reported an error without a message");
    }
    return {};
}

} // namespace

EngineReply::EngineReply(QObject *parent)
    : QObject(parent)
{}

QJsonDocument EngineReply::json() const
{
    return QJsonDocument::fromJson(m_body);
}

bool EngineReply::isError() const
{
    if (m_finished) {
        return m_errorKind != ErrorKind::NoError;
    }
    return m_statusCode >= 400;
}

void EngineReply::abort()
{
    if (m_finished) {
        return;
    }
    // The transport closes its socket on this signal; closing the connection is also how the
    // engine learns to cancel a running build.
    Q_EMIT abortRequested();
    complete(ErrorKind::Cancelled, QStringLiteral("cancelled"));
}

void EngineReply::deliverLine(const QByteArray &line)
{
    if (m_finished) {
        return;
    }
    if (m_streamError.isEmpty()) {
        m_streamError = streamErrorOf(line);
    }
    Q_EMIT lineReceived(line);
}

void EngineReply::deliverData(const QByteArray &chunk)
{
    if (m_finished || chunk.isEmpty()) {
        return;
    }
    Q_EMIT dataReceived(chunk);
}

void EngineReply::finish(const QString &transportError)
{
    if (!transportError.isEmpty()) {
        complete(ErrorKind::ProtocolError, transportError);
    } else if (m_statusCode >= 400) {
        complete(ErrorKind::HttpError, messageOfErrorBody(m_statusCode, m_body));
    } else if (m_statusCode == 0) {
        complete(ErrorKind::ProtocolError, QStringLiteral("no answer from the engine"));
    } else if (!m_streamError.isEmpty()) {
        complete(ErrorKind::StreamError, m_streamError);
    } else {
        complete(ErrorKind::NoError, {});
    }
}

void EngineReply::finishWithError(ErrorKind kind, const QString &message)
{
    if (kind == ErrorKind::NoError) {
        finish();
        return;
    }
    complete(kind, message);
}

void EngineReply::complete(ErrorKind kind, const QString &message)
{
    if (m_finished) {
        return;
    }
    m_finished = true;
    m_errorKind = kind;
    if (kind != ErrorKind::NoError) {
        m_engineMessage = message;
        m_errorString =
            m_description.isEmpty() ? message : m_description + QStringLiteral(": ") + message;
        if (kind != ErrorKind::Cancelled) {
            qCDebug(lcEngine) << "call failed:" << m_errorString;
        }
    }
    Q_EMIT finished();
    deleteLater();
}

} // namespace Shoal::Core
