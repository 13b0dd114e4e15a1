#include "serviceparser.h"

#include "composediagnostics.h"
#include "composenode.h"
#include "durationparser.h"
#include "envfileparser.h"
#include "portparser.h"
#include "shellsplitter.h"

#include <QDir>

namespace Shoal::Core {

namespace {

// The keys of a service that Shoal reads and carries to the engine (some in other passes:
// extends, environment with env_file, deploy with scale).
const QSet<QString> &appliedServiceKeys()
{
    static const QSet<QString> keys = {QStringLiteral("build"),
                                       QStringLiteral("command"),
                                       QStringLiteral("container_name"),
                                       QStringLiteral("cpus"),
                                       QStringLiteral("cpuset"),
                                       QStringLiteral("depends_on"),
                                       QStringLiteral("deploy"),
                                       QStringLiteral("entrypoint"),
                                       QStringLiteral("env_file"),
                                       QStringLiteral("environment"),
                                       QStringLiteral("expose"),
                                       QStringLiteral("extends"),
                                       QStringLiteral("healthcheck"),
                                       QStringLiteral("image"),
                                       QStringLiteral("labels"),
                                       QStringLiteral("networks"),
                                       QStringLiteral("ports"),
                                       QStringLiteral("profiles"),
                                       QStringLiteral("restart"),
                                       QStringLiteral("scale"),
                                       QStringLiteral("stop_grace_period"),
                                       QStringLiteral("stop_signal"),
                                       QStringLiteral("user"),
                                       QStringLiteral("volumes"),
                                       QStringLiteral("working_dir")};
    return keys;
}

const QSet<QString> &knownServiceKeys()
{
    static const QSet<QString> keys = [] {
        QSet<QString> set;
        const char *names[] = {"annotations",
                               "attach",
                               "blkio_config",
                               "build",
                               "cap_add",
                               "cap_drop",
                               "cgroup",
                               "cgroup_parent",
                               "command",
                               "configs",
                               "container_name",
                               "cpu_count",
                               "cpu_percent",
                               "cpu_period",
                               "cpu_quota",
                               "cpu_rt_period",
                               "cpu_rt_runtime",
                               "cpu_shares",
                               "cpus",
                               "cpuset",
                               "credential_spec",
                               "depends_on",
                               "deploy",
                               "develop",
                               "device_cgroup_rules",
                               "devices",
                               "dns",
                               "dns_opt",
                               "dns_search",
                               "domainname",
                               "entrypoint",
                               "env_file",
                               "environment",
                               "expose",
                               "extends",
                               "external_links",
                               "extra_hosts",
                               "gpus",
                               "group_add",
                               "healthcheck",
                               "hostname",
                               "image",
                               "init",
                               "ipc",
                               "isolation",
                               "labels",
                               "label_file",
                               "links",
                               "logging",
                               "mac_address",
                               "mem_limit",
                               "mem_reservation",
                               "mem_swappiness",
                               "memswap_limit",
                               "network_mode",
                               "networks",
                               "oom_kill_disable",
                               "oom_score_adj",
                               "pid",
                               "pids_limit",
                               "platform",
                               "ports",
                               "post_start",
                               "pre_stop",
                               "privileged",
                               "profiles",
                               "pull_policy",
                               "read_only",
                               "restart",
                               "runtime",
                               "scale",
                               "secrets",
                               "security_opt",
                               "shm_size",
                               "stdin_open",
                               "stop_grace_period",
                               "stop_signal",
                               "storage_opt",
                               "sysctls",
                               "tmpfs",
                               "tty",
                               "ulimits",
                               "user",
                               "userns_mode",
                               "uts",
                               "volumes",
                               "volumes_from",
                               "working_dir"};
        for (const char *name : names) {
            set.insert(QString::fromLatin1(name));
        }
        return set;
    }();
    return keys;
}

QString describeKind(const ComposeNode &node)
{
    switch (node.kind) {
    case ComposeNode::Kind::Null:
        return QStringLiteral("null");
    case ComposeNode::Kind::Scalar:
        return QStringLiteral("a string");
    case ComposeNode::Kind::Sequence:
        return QStringLiteral("a list");
    case ComposeNode::Kind::Mapping:
        return QStringLiteral("a mapping");
    }
    return QString();
}

class Fields
{
public:
    explicit Fields(ComposeDiagnostics &diagnostics)
        : m_diagnostics(diagnostics)
    {}

    bool fail(const ComposeNode &node, const QString &path, const QString &reason)
    {
        m_diagnostics.error(node, path, reason);
        return false;
    }

    bool wrongType(const ComposeNode &node, const QString &path, const QString &expected)
    {
        return fail(node, path,
                    QStringLiteral("must be %1, not %2").arg(expected, describeKind(node)));
    }

    std::optional<QString> string(const ComposeNode &node, const QString &path)
    {
        if (!node.isScalar()) {
            wrongType(node, path, QStringLiteral("a string"));
            return std::nullopt;
        }
        return node.scalar;
    }

    std::optional<int> integer(const ComposeNode &node, const QString &path, int minimum)
    {
        bool ok = false;
        const int value = node.isScalar() ? node.scalar.trimmed().toInt(&ok) : 0;
        if (!ok) {
            fail(node, path, QStringLiteral("must be an integer, not \"%1\"").arg(node.scalar));
            return std::nullopt;
        }
        if (value < minimum) {
            fail(node, path, QStringLiteral("must be at least %1, not %2").arg(minimum).arg(value));
            return std::nullopt;
        }
        return value;
    }

    /// A CPU count as `cpus` takes it: a positive decimal ("0.5", 2).
    std::optional<double> cpus(const ComposeNode &node, const QString &path)
    {
        bool ok = false;
        const double value = node.isScalar() ? node.scalar.trimmed().toDouble(&ok) : 0;
        if (!ok || value < 0) {
            fail(node, path,
                 QStringLiteral("must be a number of CPUs like 0.5, not \"%1\"").arg(node.scalar));
            return std::nullopt;
        }
        return value;
    }

    std::optional<bool> boolean(const ComposeNode &node, const QString &path)
    {
        const QString text = node.scalar.toLower();
        if (node.isScalar() && (text == QLatin1String("true") || text == QLatin1String("yes"))) {
            return true;
        }
        if (node.isScalar() && (text == QLatin1String("false") || text == QLatin1String("no"))) {
            return false;
        }
        fail(node, path, QStringLiteral("must be true or false, not \"%1\"").arg(node.scalar));
        return std::nullopt;
    }

    std::optional<qint64> duration(const ComposeNode &node, const QString &path)
    {
        const std::optional<qint64> ms =
            node.isScalar() ? DurationParser::parseMs(node.scalar) : std::nullopt;
        if (!ms) {
            fail(
                node, path,
                QStringLiteral("invalid duration \"%1\" (use units, like 1m30s)").arg(node.scalar));
        }
        return ms;
    }

    /// A list of strings, or a single string when allowed.
    std::optional<QStringList> strings(const ComposeNode &node, const QString &path,
                                       bool acceptString)
    {
        if (acceptString && node.isScalar()) {
            return QStringList{node.scalar};
        }
        if (!node.isSequence()) {
            wrongType(node, path, QStringLiteral("a list of strings"));
            return std::nullopt;
        }
        QStringList out;
        for (size_t i = 0; i < node.children.size(); ++i) {
            const ComposeNode &item = node.children[i];
            const std::optional<QString> text = string(item, path + QStringLiteral("[%1]").arg(i));
            if (!text) {
                return std::nullopt;
            }
            out.append(*text);
        }
        return out;
    }

    /// `[K=V, K]` or `{K: V, K: null}`; absent values are nullopt.
    std::optional<QList<QPair<QString, std::optional<QString>>>> keyValues(const ComposeNode &node,
                                                                           const QString &path)
    {
        QList<QPair<QString, std::optional<QString>>> out;
        if (node.isSequence()) {
            for (size_t i = 0; i < node.children.size(); ++i) {
                const std::optional<QString> item =
                    string(node.children[i], path + QStringLiteral("[%1]").arg(i));
                if (!item) {
                    return std::nullopt;
                }
                const int equals = item->indexOf(QLatin1Char('='));
                if (equals < 0) {
                    out.append({*item, std::nullopt});
                } else {
                    out.append({item->left(equals), item->mid(equals + 1)});
                }
            }
            return out;
        }
        if (!node.isMapping()) {
            wrongType(node, path, QStringLiteral("a list or a mapping"));
            return std::nullopt;
        }
        for (const ComposeNode &entry : node.children) {
            if (entry.isNull()) {
                out.append({entry.key, std::nullopt});
                continue;
            }
            const std::optional<QString> value = string(entry, path + QLatin1Char('.') + entry.key);
            if (!value) {
                return std::nullopt;
            }
            out.append({entry.key, *value});
        }
        return out;
    }

    void warnUnknown(const ComposeNode &mapping, const QString &path,
                     std::initializer_list<const char *> known)
    {
        for (const ComposeNode &entry : mapping.children) {
            if (entry.key.startsWith(QLatin1String("x-"))) {
                continue;
            }
            bool found = false;
            for (const char *name : known) {
                found = found || entry.key == QLatin1String(name);
            }
            if (!found) {
                m_diagnostics.warning(entry, path + QLatin1Char('.') + entry.key,
                                      QStringLiteral("unknown key, ignored"));
            }
        }
    }

private:
    ComposeDiagnostics &m_diagnostics;
};

bool isHostPath(const QString &source)
{
    return source.startsWith(QLatin1Char('/')) || source.startsWith(QLatin1Char('.')) ||
           source.startsWith(QLatin1Char('~'));
}

} // namespace

ServiceParser::ServiceParser(Context context, ComposeDiagnostics &diagnostics)
    : m_context(std::move(context))
    , m_diagnostics(diagnostics)
{}

std::optional<ServiceSpec> ServiceParser::parse(const QString &name, const ComposeNode &node)
{
    const QString path = QStringLiteral("services.") + name;
    Fields fields(m_diagnostics);
    if (!node.isMapping()) {
        fields.wrongType(node, path, QStringLiteral("a mapping"));
        return std::nullopt;
    }
    ServiceSpec spec;
    spec.name = name;
    for (const ComposeNode &field : node.children) {
        if (!parseField(spec, field, path + QLatin1Char('.') + field.key)) {
            return std::nullopt;
        }
    }
    if (!parseEnvironment(spec, node.find(QStringLiteral("environment")),
                          node.find(QStringLiteral("env_file")), path)) {
        return std::nullopt;
    }
    if (!parseReplicas(spec, node, path)) {
        return std::nullopt;
    }
    if (spec.image.isEmpty() && !spec.build) {
        fields.fail(node, path, QStringLiteral("has neither an image nor a build context"));
        return std::nullopt;
    }
    if (!spec.containerName.isEmpty() && spec.replicas > 1) {
        const ComposeNode *where = node.find(QStringLiteral("container_name"));
        fields.fail(*where, path + QStringLiteral(".container_name"),
                    QStringLiteral("can't set container_name and run %1 replicas: "
                                   "container names must be unique")
                        .arg(spec.replicas));
        return std::nullopt;
    }
    return spec;
}

bool ServiceParser::parseField(ServiceSpec &spec, const ComposeNode &field, const QString &path)
{
    Fields fields(m_diagnostics);
    const QString &key = field.key;
    const auto assign = [&](QString &target) {
        const std::optional<QString> value = fields.string(field, path);
        if (value) {
            target = *value;
        }
        return value.has_value();
    };
    const auto words = [&](std::optional<QStringList> &target) {
        if (field.isNull()) {
            return true;
        }
        if (field.isScalar()) {
            const std::optional<QStringList> split = ShellSplitter::split(field.scalar);
            if (!split) {
                return fields.fail(field, path, QStringLiteral("unterminated quote"));
            }
            target = *split;
            return true;
        }
        target = fields.strings(field, path, false);
        return target.has_value();
    };

    if (key.startsWith(QLatin1String("x-"))) {
        return key == QLatin1String("x-shoal") ? parseShoalOptions(spec, field, path) : true;
    }
    if (key == QLatin1String("image")) {
        return assign(spec.image);
    }
    if (key == QLatin1String("build")) {
        return parseBuild(spec, field, path);
    }
    if (key == QLatin1String("command")) {
        return words(spec.command);
    }
    if (key == QLatin1String("entrypoint")) {
        return words(spec.entrypoint);
    }
    if (key == QLatin1String("ports")) {
        return parsePorts(spec, field, path);
    }
    if (key == QLatin1String("expose")) {
        const std::optional<QStringList> list = fields.strings(field, path, false);
        if (!list) {
            return false;
        }
        for (int i = 0; i < list->size(); ++i) {
            QString text = list->at(i);
            const QString portPart = text.section(QLatin1Char('/'), 0, 0);
            const PortParser::Result check = PortParser::parseShort(text);
            if (!check.mapping || portPart.contains(QLatin1Char(':'))) {
                return fields.fail(field.children[i], path + QStringLiteral("[%1]").arg(i),
                                   check.error.isEmpty()
                                       ? QStringLiteral("invalid port \"%1\"").arg(text)
                                       : check.error);
            }
            spec.expose.append(text);
        }
        return true;
    }
    if (key == QLatin1String("labels")) {
        const auto pairs = fields.keyValues(field, path);
        if (!pairs) {
            return false;
        }
        for (const auto &[name, value] : *pairs) {
            spec.labels.insert(name, value.value_or(QString()));
        }
        return true;
    }
    if (key == QLatin1String("restart")) {
        if (!assign(spec.restart)) {
            return false;
        }
        const QString policy = spec.restart.section(QLatin1Char(':'), 0, 0);
        const bool known = spec.restart == QLatin1String("no") ||
                           spec.restart == QLatin1String("always") ||
                           spec.restart == QLatin1String("unless-stopped") ||
                           policy == QLatin1String("on-failure");
        bool countOk = true;
        if (policy == QLatin1String("on-failure") && spec.restart.contains(QLatin1Char(':'))) {
            spec.restart.section(QLatin1Char(':'), 1).toUInt(&countOk);
        }
        if (!known || !countOk) {
            return fields.fail(field, path,
                               QStringLiteral("invalid restart policy \"%1\" (no, always, "
                                              "on-failure[:N] or unless-stopped)")
                                   .arg(spec.restart));
        }
        return true;
    }
    if (key == QLatin1String("healthcheck")) {
        return parseHealthcheck(spec, field, path);
    }
    if (key == QLatin1String("depends_on")) {
        return parseDependsOn(spec, field, path);
    }
    if (key == QLatin1String("networks")) {
        return parseNetworks(spec, field, path);
    }
    if (key == QLatin1String("volumes")) {
        return parseVolumes(spec, field, path);
    }
    if (key == QLatin1String("stop_grace_period")) {
        const std::optional<qint64> ms = fields.duration(field, path);
        if (ms) {
            spec.stopGracePeriodMs = *ms;
        }
        return ms.has_value();
    }
    if (key == QLatin1String("stop_signal")) {
        return assign(spec.stopSignal);
    }
    if (key == QLatin1String("profiles")) {
        const std::optional<QStringList> list = fields.strings(field, path, false);
        if (list) {
            spec.profiles = *list;
        }
        return list.has_value();
    }
    if (key == QLatin1String("working_dir")) {
        return assign(spec.workingDir);
    }
    if (key == QLatin1String("user")) {
        return assign(spec.user);
    }
    if (key == QLatin1String("container_name")) {
        return assign(spec.containerName);
    }
    if (key == QLatin1String("cpus")) {
        const std::optional<double> cores = fields.cpus(field, path);
        spec.cpus = cores.value_or(0);
        return cores.has_value();
    }
    if (key == QLatin1String("cpuset")) {
        return assign(spec.cpuset);
    }
    // A key of the compose specification that Shoal does not carry to the engine (resource
    // limits, capabilities, ...) is said as such: silently running without a limit the
    // file asks for would mislead.
    if (!knownServiceKeys().contains(key)) {
        m_diagnostics.warning(field, path, QStringLiteral("unknown key, ignored"));
    } else if (!appliedServiceKeys().contains(key)) {
        m_diagnostics.warning(field, path, QStringLiteral("not supported by Shoal, ignored"));
    }
    return true;
}

bool ServiceParser::parseBuild(ServiceSpec &spec, const ComposeNode &node, const QString &path)
{
    Fields fields(m_diagnostics);
    BuildSpec build;
    if (node.isScalar()) {
        build.context = node.scalar;
        spec.build = build;
        return true;
    }
    if (!node.isMapping()) {
        return fields.wrongType(node, path, QStringLiteral("a path or a mapping"));
    }
    build.context = QStringLiteral(".");
    for (const ComposeNode &entry : node.children) {
        const QString entryPath = path + QLatin1Char('.') + entry.key;
        if (entry.key == QLatin1String("context") || entry.key == QLatin1String("dockerfile") ||
            entry.key == QLatin1String("target")) {
            const std::optional<QString> value = fields.string(entry, entryPath);
            if (!value) {
                return false;
            }
            QString &target = entry.key == QLatin1String("context")      ? build.context
                              : entry.key == QLatin1String("dockerfile") ? build.dockerfile
                                                                         : build.target;
            target = *value;
        } else if (entry.key == QLatin1String("args")) {
            const auto pairs = fields.keyValues(entry, entryPath);
            if (!pairs) {
                return false;
            }
            for (const auto &[name, value] : *pairs) {
                // A build argument without a value comes from the environment, if it is set.
                const std::optional<QString> resolved = value ? value : m_context.lookup(name);
                if (resolved) {
                    build.args.insert(name, *resolved);
                }
            }
        }
    }
    fields.warnUnknown(node, path, {"context",     "dockerfile", "dockerfile_inline",
                                    "args",        "target",     "labels",
                                    "cache_from",  "cache_to",   "network",
                                    "shm_size",    "ssh",        "secrets",
                                    "platforms",   "tags",       "extra_hosts",
                                    "pull",        "no_cache",   "additional_contexts",
                                    "isolation",   "privileged", "ulimits",
                                    "entitlements"});
    spec.build = build;
    return true;
}

bool ServiceParser::parseEnvironment(ServiceSpec &spec, const ComposeNode *environment,
                                     const ComposeNode *envFile, const QString &path)
{
    Fields fields(m_diagnostics);
    if (envFile && !envFile->isNull()) {
        const QString filePath = path + QStringLiteral(".env_file");
        std::vector<ComposeNode> entries;
        if (envFile->isSequence()) {
            entries = envFile->children;
        } else {
            entries.push_back(*envFile);
        }
        for (size_t i = 0; i < entries.size(); ++i) {
            const ComposeNode &entry = entries[i];
            const QString entryPath =
                envFile->isSequence() ? filePath + QStringLiteral("[%1]").arg(i) : filePath;
            QString file;
            bool required = true;
            if (entry.isMapping()) {
                const ComposeNode *pathNode = entry.find(QStringLiteral("path"));
                if (!pathNode) {
                    return fields.fail(entry, entryPath, QStringLiteral("needs a path"));
                }
                const std::optional<QString> text =
                    fields.string(*pathNode, entryPath + QStringLiteral(".path"));
                if (!text) {
                    return false;
                }
                file = *text;
                if (const ComposeNode *requiredNode = entry.find(QStringLiteral("required"))) {
                    const std::optional<bool> flag =
                        fields.boolean(*requiredNode, entryPath + QStringLiteral(".required"));
                    if (!flag) {
                        return false;
                    }
                    required = *flag;
                }
                fields.warnUnknown(entry, entryPath, {"path", "required", "format"});
            } else {
                const std::optional<QString> text = fields.string(entry, entryPath);
                if (!text) {
                    return false;
                }
                file = *text;
            }
            if (!QFileInfo::exists(file)) {
                if (!required) {
                    continue;
                }
                return fields.fail(entry, entryPath,
                                   QStringLiteral("env file %1 not found").arg(file));
            }
            const EnvFileParser::Result parsed =
                EnvFileParser::parseFile(file, QDir::cleanPath(file), m_context.lookup);
            if (!parsed.values) {
                return fields.fail(entry, entryPath, parsed.error);
            }
            for (auto it = parsed.values->cbegin(); it != parsed.values->cend(); ++it) {
                spec.environment.insert(it.key(), it.value());
            }
        }
    }
    if (!environment || environment->isNull()) {
        return true;
    }
    const auto pairs = fields.keyValues(*environment, path + QStringLiteral(".environment"));
    if (!pairs) {
        return false;
    }
    for (const auto &[name, value] : *pairs) {
        if (name.isEmpty()) {
            return fields.fail(*environment, path + QStringLiteral(".environment"),
                               QStringLiteral("empty variable name"));
        }
        // A variable named without a value is taken from the environment compose runs in,
        // and left out when it is not set there (it does not become empty).
        const std::optional<QString> resolved = value ? value : m_context.lookup(name);
        if (resolved) {
            spec.environment.insert(name, *resolved);
        } else if (!value) {
            spec.environment.remove(name);
        }
    }
    return true;
}

bool ServiceParser::parsePorts(ServiceSpec &spec, const ComposeNode &node, const QString &path)
{
    Fields fields(m_diagnostics);
    if (!node.isSequence()) {
        return fields.wrongType(node, path, QStringLiteral("a list"));
    }
    for (size_t i = 0; i < node.children.size(); ++i) {
        const ComposeNode &item = node.children[i];
        const QString itemPath = path + QStringLiteral("[%1]").arg(i);
        PortParser::Result result;
        if (item.isScalar()) {
            result = PortParser::parseShort(item.scalar);
        } else if (item.isMapping()) {
            QString values[4];
            const char *names[4] = {"target", "published", "host_ip", "protocol"};
            for (int k = 0; k < 4; ++k) {
                const ComposeNode *value = item.find(QLatin1String(names[k]));
                if (value && !value->isNull()) {
                    const std::optional<QString> text = fields.string(
                        *value, itemPath + QLatin1Char('.') + QLatin1String(names[k]));
                    if (!text) {
                        return false;
                    }
                    values[k] = *text;
                }
            }
            if (values[0].isEmpty()) {
                return fields.fail(item, itemPath, QStringLiteral("target is required"));
            }
            if (const ComposeNode *mode = item.find(QStringLiteral("mode"))) {
                if (mode->scalar != QLatin1String("host") &&
                    mode->scalar != QLatin1String("ingress")) {
                    return fields.fail(
                        *mode, itemPath + QStringLiteral(".mode"),
                        QStringLiteral("must be host or ingress, not \"%1\"").arg(mode->scalar));
                }
            }
            fields.warnUnknown(
                item, itemPath,
                {"target", "published", "host_ip", "protocol", "mode", "app_protocol", "name"});
            result = PortParser::parseLong(values[0], values[1], values[2], values[3]);
        } else {
            return fields.wrongType(item, itemPath, QStringLiteral("a string or a mapping"));
        }
        if (!result.mapping) {
            return fields.fail(item, itemPath, result.error);
        }
        spec.ports.append(*result.mapping);
    }
    return true;
}

bool ServiceParser::parseHealthcheck(ServiceSpec &spec, const ComposeNode &node,
                                     const QString &path)
{
    Fields fields(m_diagnostics);
    if (!node.isMapping()) {
        return fields.wrongType(node, path, QStringLiteral("a mapping"));
    }
    HealthcheckSpec health;
    for (const ComposeNode &entry : node.children) {
        const QString entryPath = path + QLatin1Char('.') + entry.key;
        if (entry.key == QLatin1String("test")) {
            if (entry.isScalar()) {
                // The string form is a shell command line, not the name of a program.
                health.test = QStringList{QStringLiteral("CMD-SHELL"), entry.scalar};
                continue;
            }
            const std::optional<QStringList> list = fields.strings(entry, entryPath, false);
            if (!list) {
                return false;
            }
            health.test = *list;
            if (list->isEmpty()) {
                continue;
            }
            const QString kind = list->first();
            if (kind != QLatin1String("CMD") && kind != QLatin1String("CMD-SHELL") &&
                kind != QLatin1String("NONE")) {
                return fields.fail(entry, entryPath,
                                   QStringLiteral("must start with CMD, CMD-SHELL or NONE, not "
                                                  "\"%1\"")
                                       .arg(kind));
            }
            if (kind == QLatin1String("CMD-SHELL") && list->size() > 2) {
                m_diagnostics.warning(entry, entryPath,
                                      QStringLiteral("with CMD-SHELL only the first string runs "
                                                     "as the command; the rest are ignored by "
                                                     "the shell"));
            }
        } else if (entry.key == QLatin1String("interval") ||
                   entry.key == QLatin1String("timeout") ||
                   entry.key == QLatin1String("start_period") ||
                   entry.key == QLatin1String("start_interval")) {
            const std::optional<qint64> ms = fields.duration(entry, entryPath);
            if (!ms) {
                return false;
            }
            if (entry.key == QLatin1String("interval")) {
                health.intervalMs = *ms;
            } else if (entry.key == QLatin1String("timeout")) {
                health.timeoutMs = *ms;
            } else if (entry.key == QLatin1String("start_period")) {
                health.startPeriodMs = *ms;
            }
        } else if (entry.key == QLatin1String("retries")) {
            const std::optional<int> retries = fields.integer(entry, entryPath, 0);
            if (!retries) {
                return false;
            }
            health.retries = *retries;
        } else if (entry.key == QLatin1String("disable")) {
            const std::optional<bool> disable = fields.boolean(entry, entryPath);
            if (!disable) {
                return false;
            }
            health.disabled = *disable;
        }
    }
    fields.warnUnknown(
        node, path,
        {"test", "interval", "timeout", "start_period", "start_interval", "retries", "disable"});
    if (health.disabled) {
        health.test = QStringList{QStringLiteral("NONE")};
    } else if (health.test == QStringList{QStringLiteral("NONE")}) {
        health.disabled = true;
    }
    spec.healthcheck = health;
    return true;
}

bool ServiceParser::parseDependsOn(ServiceSpec &spec, const ComposeNode &node, const QString &path)
{
    Fields fields(m_diagnostics);
    if (node.isSequence()) {
        const std::optional<QStringList> names = fields.strings(node, path, false);
        if (!names) {
            return false;
        }
        for (const QString &name : *names) {
            DependsOn dependency;
            dependency.service = name;
            spec.dependsOn.append(dependency);
        }
        return true;
    }
    if (!node.isMapping()) {
        return fields.wrongType(node, path, QStringLiteral("a list or a mapping"));
    }
    for (const ComposeNode &entry : node.children) {
        const QString entryPath = path + QLatin1Char('.') + entry.key;
        DependsOn dependency;
        dependency.service = entry.key;
        if (entry.isMapping()) {
            if (const ComposeNode *condition = entry.find(QStringLiteral("condition"))) {
                const QString value = condition->scalar;
                if (value != QLatin1String("service_started") &&
                    value != QLatin1String("service_healthy") &&
                    value != QLatin1String("service_completed_successfully")) {
                    return fields.fail(*condition, entryPath + QStringLiteral(".condition"),
                                       QStringLiteral("unknown condition \"%1\"").arg(value));
                }
                dependency.condition = value;
            }
            for (const char *flag : {"required", "restart"}) {
                if (const ComposeNode *value = entry.find(QLatin1String(flag))) {
                    const std::optional<bool> parsed =
                        fields.boolean(*value, entryPath + QLatin1Char('.') + QLatin1String(flag));
                    if (!parsed) {
                        return false;
                    }
                    (qstrcmp(flag, "required") == 0 ? dependency.required : dependency.restart) =
                        *parsed;
                }
            }
            fields.warnUnknown(entry, entryPath, {"condition", "required", "restart"});
        } else if (!entry.isNull()) {
            return fields.wrongType(entry, entryPath, QStringLiteral("a mapping"));
        }
        spec.dependsOn.append(dependency);
    }
    return true;
}

bool ServiceParser::parseNetworks(ServiceSpec &spec, const ComposeNode &node, const QString &path)
{
    Fields fields(m_diagnostics);
    std::vector<std::pair<QString, const ComposeNode *>> names;
    if (node.isSequence()) {
        for (size_t i = 0; i < node.children.size(); ++i) {
            const std::optional<QString> name =
                fields.string(node.children[i], path + QStringLiteral("[%1]").arg(i));
            if (!name) {
                return false;
            }
            names.emplace_back(*name, &node.children[i]);
        }
    } else if (node.isMapping()) {
        for (const ComposeNode &entry : node.children) {
            if (!entry.isNull() && !entry.isMapping()) {
                return fields.wrongType(entry, path + QLatin1Char('.') + entry.key,
                                        QStringLiteral("a mapping or null"));
            }
            names.emplace_back(entry.key, &entry);
        }
    } else {
        return fields.wrongType(node, path, QStringLiteral("a list or a mapping"));
    }
    for (const auto &[name, where] : names) {
        if (!m_context.networks.contains(name)) {
            return fields.fail(*where, path,
                               QStringLiteral("refers to undefined network %1").arg(name));
        }
        spec.networks.append(name);
    }
    return true;
}

bool ServiceParser::parseVolumes(ServiceSpec &spec, const ComposeNode &node, const QString &path)
{
    Fields fields(m_diagnostics);
    if (!node.isSequence()) {
        return fields.wrongType(node, path, QStringLiteral("a list"));
    }
    for (size_t i = 0; i < node.children.size(); ++i) {
        const ComposeNode &item = node.children[i];
        const QString itemPath = path + QStringLiteral("[%1]").arg(i);
        QString source;
        QString target;
        QString mode;
        if (item.isScalar()) {
            const QStringList parts = item.scalar.split(QLatin1Char(':'));
            if (parts.size() > 3 || parts.contains(QString())) {
                return fields.fail(item, itemPath,
                                   QStringLiteral("invalid volume \"%1\"").arg(item.scalar));
            }
            if (parts.size() == 1) {
                target = parts.at(0);
            } else {
                source = parts.at(0);
                target = parts.at(1);
                mode = parts.value(2);
            }
        } else if (item.isMapping()) {
            for (const char *name : {"source", "target"}) {
                if (const ComposeNode *value = item.find(QLatin1String(name))) {
                    const std::optional<QString> text =
                        fields.string(*value, itemPath + QLatin1Char('.') + QLatin1String(name));
                    if (!text) {
                        return false;
                    }
                    (qstrcmp(name, "source") == 0 ? source : target) = *text;
                }
            }
            if (const ComposeNode *readOnly = item.find(QStringLiteral("read_only"))) {
                const std::optional<bool> flag =
                    fields.boolean(*readOnly, itemPath + QStringLiteral(".read_only"));
                if (!flag) {
                    return false;
                }
                mode = *flag ? QStringLiteral("ro") : QString();
            }
            fields.warnUnknown(item, itemPath,
                               {"type", "source", "target", "read_only", "bind", "volume", "tmpfs",
                                "consistency", "image"});
        } else {
            return fields.wrongType(item, itemPath, QStringLiteral("a string or a mapping"));
        }
        if (!target.startsWith(QLatin1Char('/'))) {
            return fields.fail(
                item, itemPath,
                QStringLiteral("the mount path \"%1\" must be absolute").arg(target));
        }
        if (!source.isEmpty() && !isHostPath(source) && !m_context.volumes.contains(source)) {
            return fields.fail(item, itemPath,
                               QStringLiteral("refers to undefined volume %1").arg(source));
        }
        QString text = source.isEmpty() ? target : source + QLatin1Char(':') + target;
        if (!mode.isEmpty()) {
            text += QLatin1Char(':') + mode;
        }
        spec.volumes.append(text);
    }
    return true;
}

bool ServiceParser::parseReplicas(ServiceSpec &spec, const ComposeNode &service,
                                  const QString &path)
{
    Fields fields(m_diagnostics);
    std::optional<int> fromDeploy;
    std::optional<int> fromScale;
    const ComposeNode *deploy = service.find(QStringLiteral("deploy"));
    if (deploy && !deploy->isNull()) {
        if (!deploy->isMapping()) {
            return fields.wrongType(*deploy, path + QStringLiteral(".deploy"),
                                    QStringLiteral("a mapping"));
        }
        if (const ComposeNode *replicas = deploy->find(QStringLiteral("replicas"))) {
            fromDeploy = fields.integer(*replicas, path + QStringLiteral(".deploy.replicas"), 0);
            if (!fromDeploy) {
                return false;
            }
        }
        fields.warnUnknown(*deploy, path + QStringLiteral(".deploy"),
                           {"mode", "replicas", "labels", "update_config", "rollback_config",
                            "resources", "restart_policy", "placement", "endpoint_mode"});
        if (!parseCpuLimit(spec, *deploy, path + QStringLiteral(".deploy"))) {
            return false;
        }
    }
    const ComposeNode *scale = service.find(QStringLiteral("scale"));
    if (scale && !scale->isNull()) {
        fromScale = fields.integer(*scale, path + QStringLiteral(".scale"), 0);
        if (!fromScale) {
            return false;
        }
    }
    if (fromDeploy && fromScale && *fromDeploy != *fromScale) {
        m_diagnostics.warning(*scale, path + QStringLiteral(".scale"),
                              QStringLiteral("differs from deploy.replicas (%1); using "
                                             "deploy.replicas")
                                  .arg(*fromDeploy));
    }
    spec.replicas = fromDeploy.value_or(fromScale.value_or(1));
    return true;
}

// deploy.resources.limits.cpus is the same engine limit as the service's `cpus`; docker
// compose refuses two different values, and so does Shoal.
bool ServiceParser::parseCpuLimit(ServiceSpec &spec, const ComposeNode &deploy, const QString &path)
{
    Fields fields(m_diagnostics);
    const ComposeNode *resources = deploy.find(QStringLiteral("resources"));
    const ComposeNode *limits =
        resources && resources->isMapping() ? resources->find(QStringLiteral("limits")) : nullptr;
    const ComposeNode *cpus =
        limits && limits->isMapping() ? limits->find(QStringLiteral("cpus")) : nullptr;
    if (!cpus || cpus->isNull()) {
        return true;
    }
    const QString cpusPath = path + QStringLiteral(".resources.limits.cpus");
    const std::optional<double> cores = fields.cpus(*cpus, cpusPath);
    if (!cores) {
        return false;
    }
    if (spec.cpus > 0 && !qFuzzyCompare(spec.cpus, *cores)) {
        return fields.fail(*cpus, cpusPath,
                           QStringLiteral("differs from the service's cpus (%1)").arg(spec.cpus));
    }
    spec.cpus = *cores;
    return true;
}

bool ServiceParser::parseShoalOptions(ServiceSpec &spec, const ComposeNode &node,
                                      const QString &path)
{
    Fields fields(m_diagnostics);
    if (node.isNull()) {
        return true;
    }
    if (!node.isMapping()) {
        return fields.wrongType(node, path, QStringLiteral("a mapping"));
    }
    const ComposeNode *weights = nullptr;
    for (const ComposeNode &entry : node.children) {
        const QString entryPath = path + QLatin1Char('.') + entry.key;
        if (entry.key == QLatin1String("weights")) {
            weights = &entry;
            if (!parseShoalWeights(spec, entry, entryPath)) {
                return false;
            }
            continue;
        }
        const std::optional<QString> value = entry.key == QLatin1String("balance") ||
                                                     entry.key == QLatin1String("mode") ||
                                                     entry.key == QLatin1String("health_path")
                                                 ? fields.string(entry, entryPath)
                                                 : QString();
        if (!value) {
            return false;
        }
        if (entry.key == QLatin1String("balance")) {
            if (*value != QLatin1String("round-robin") &&
                *value != QLatin1String("least-connections") &&
                *value != QLatin1String("weighted")) {
                return fields.fail(entry, entryPath,
                                   QStringLiteral("must be round-robin, least-connections or "
                                                  "weighted, not \"%1\"")
                                       .arg(*value));
            }
            spec.shoal.balance = *value;
        } else if (entry.key == QLatin1String("mode")) {
            if (*value != QLatin1String("http") && *value != QLatin1String("tcp")) {
                return fields.fail(entry, entryPath,
                                   QStringLiteral("must be http or tcp, not \"%1\"").arg(*value));
            }
            spec.shoal.mode = *value;
        } else if (entry.key == QLatin1String("health_path")) {
            if (!value->startsWith(QLatin1Char('/'))) {
                return fields.fail(
                    entry, entryPath,
                    QStringLiteral("must be a path starting with /, not \"%1\"").arg(*value));
            }
            spec.shoal.healthPath = *value;
        }
    }
    fields.warnUnknown(node, path, {"balance", "mode", "health_path", "weights"});
    if (weights && !spec.shoal.weights.isEmpty() && spec.shoal.balance != u"weighted") {
        m_diagnostics.warning(*weights, path + QStringLiteral(".weights"),
                              QStringLiteral("apply only with balance: weighted (balance is "
                                             "%1); ignored")
                                  .arg(spec.shoal.balance));
    }
    return true;
}

bool ServiceParser::parseShoalWeights(ServiceSpec &spec, const ComposeNode &node,
                                      const QString &path)
{
    Fields fields(m_diagnostics);
    if (node.isNull()) {
        return true;
    }
    if (!node.isMapping()) {
        return fields.wrongType(node, path,
                                QStringLiteral("a mapping of replica numbers to weights"));
    }
    QMap<int, int> weights;
    for (const ComposeNode &entry : node.children) {
        const QString entryPath = path + QLatin1Char('.') + entry.key;
        bool ok = false;
        const int number = entry.key.trimmed().toInt(&ok);
        if (!ok || number < 1) {
            return fields.fail(entry, entryPath,
                               QStringLiteral("keys must be replica numbers (1, 2, ...), not "
                                              "\"%1\"")
                                   .arg(entry.key));
        }
        const std::optional<int> weight = fields.integer(entry, entryPath, 1);
        if (!weight) {
            return false;
        }
        if (*weight > ShoalServiceOptions::MaxWeight) {
            return fields.fail(entry, entryPath,
                               QStringLiteral("must be at most %1, not %2")
                                   .arg(ShoalServiceOptions::MaxWeight)
                                   .arg(*weight));
        }
        weights.insert(number, *weight);
    }
    spec.shoal.weights = weights;
    return true;
}

} // namespace Shoal::Core
