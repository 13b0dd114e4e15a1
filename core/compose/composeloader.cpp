#include "composediagnostics.h"
#include "composelogging.h"
#include "composemerger.h"
#include "composenode.h"
#include "envfileparser.h"
#include "interpolator.h"
#include "serviceparser.h"
#include "yamlreader.h"

#include <core/compose/composeloader.h>

#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QJsonArray>
#include <QProcessEnvironment>

#include <map>

namespace Shoal::Core {

namespace {

// The order docker compose looks for a file in the working folder, and the override file
// it then reads beside each one.
const std::pair<const char *, const char *> DefaultFiles[] = {
    {"compose.yaml", "compose.override.yaml"},
    {"compose.yml", "compose.override.yml"},
    {"docker-compose.yml", "docker-compose.override.yml"},
    {"docker-compose.yaml", "docker-compose.override.yaml"},
};

const QSet<QString> &knownTopLevelKeys()
{
    static const QSet<QString> keys = {QStringLiteral("version"),  QStringLiteral("name"),
                                       QStringLiteral("services"), QStringLiteral("networks"),
                                       QStringLiteral("volumes"),  QStringLiteral("configs"),
                                       QStringLiteral("secrets"),  QStringLiteral("include")};
    return keys;
}

bool isRemoteContext(const QString &context)
{
    return context.contains(QLatin1String("://")) || context.startsWith(QLatin1String("git@")) ||
           context.startsWith(QLatin1String("github.com/"));
}

QJsonValue toJson(const ComposeNode &node)
{
    switch (node.kind) {
    case ComposeNode::Kind::Null:
        return QJsonValue::Null;
    case ComposeNode::Kind::Scalar: {
        if (!node.quoted) {
            bool isNumber = false;
            const double number = node.scalar.toDouble(&isNumber);
            if (isNumber) {
                return number;
            }
            if (node.scalar == QLatin1String("true") || node.scalar == QLatin1String("false")) {
                return node.scalar == QLatin1String("true");
            }
        }
        return node.scalar;
    }
    case ComposeNode::Kind::Sequence: {
        QJsonArray array;
        for (const ComposeNode &item : node.children) {
            array.append(toJson(item));
        }
        return array;
    }
    case ComposeNode::Kind::Mapping: {
        QJsonObject object;
        for (const ComposeNode &entry : node.children) {
            object.insert(entry.key, toJson(entry));
        }
        return object;
    }
    }
    return QJsonValue::Null;
}

struct Document
{
    QString path; ///< absolute
    QString dir;  ///< absolute folder of path
    ComposeNode root;
};

class LoadRun
{
public:
    LoadRun(const ComposeLoadOptions &options, ComposeDiagnostics &diagnostics)
        : m_options(options)
        , m_diagnostics(diagnostics)
    {}

    std::optional<ComposeProject> fromFiles()
    {
        const QStringList files = configFiles();
        if (files.isEmpty()) {
            return std::nullopt;
        }
        m_projectDir = QFileInfo(files.first()).absolutePath();
        if (!loadEnvironment()) {
            return std::nullopt;
        }
        std::vector<Document> documents;
        for (const QString &file : files) {
            std::optional<Document> document = readDocument(file);
            if (!document) {
                return std::nullopt;
            }
            documents.push_back(std::move(*document));
        }
        return build(files, documents);
    }

    std::optional<ComposeProject> fromText(const QByteArray &text, const QString &fileName)
    {
        const QString path = QFileInfo(fileName).absoluteFilePath();
        m_projectDir = QFileInfo(path).absolutePath();
        m_environment = m_options.environment;
        std::optional<Document> document = parseDocument(text, path);
        if (!document) {
            return std::nullopt;
        }
        std::vector<Document> documents;
        documents.push_back(std::move(*document));
        return build({path}, documents);
    }

private:
    QString displayName(const QString &absolutePath) const
    {
        const QString relative = QDir(m_projectDir).relativeFilePath(absolutePath);
        return relative.startsWith(QLatin1String("..")) ? absolutePath : relative;
    }

    QString baseDir() const
    {
        return m_options.workingDir.isEmpty() ? QDir::currentPath() : m_options.workingDir;
    }

    QStringList configFiles()
    {
        QStringList files;
        const QDir base(baseDir());
        if (m_options.files.isEmpty()) {
            for (const auto &[name, overrideName] : DefaultFiles) {
                const QString candidate = base.absoluteFilePath(QLatin1String(name));
                if (QFileInfo(candidate).isFile()) {
                    files.append(candidate);
                    const QString extra = base.absoluteFilePath(QLatin1String(overrideName));
                    if (QFileInfo(extra).isFile()) {
                        files.append(extra);
                    }
                    break;
                }
            }
            if (files.isEmpty()) {
                m_diagnostics.error(QStringLiteral("no compose file found in %1 (looked for "
                                                   "compose.yaml, compose.yml, "
                                                   "docker-compose.yml, docker-compose.yaml)")
                                        .arg(QDir::toNativeSeparators(base.absolutePath())));
            }
            return files;
        }
        for (const QString &file : m_options.files) {
            const QString path = QDir::cleanPath(base.absoluteFilePath(file));
            if (!QFileInfo(path).isFile()) {
                m_diagnostics.error(QStringLiteral("%1: compose file not found").arg(file));
                return {};
            }
            files.append(path);
        }
        return files;
    }

    bool loadEnvironment()
    {
        const Interpolator::Lookup shell = [this](const QString &name) -> std::optional<QString> {
            const auto it = m_options.environment.constFind(name);
            return it == m_options.environment.constEnd() ? std::nullopt
                                                          : std::optional<QString>(*it);
        };
        QStringList envFiles;
        bool required = true;
        const QDir base(baseDir());
        for (const QString &file : m_options.envFiles) {
            envFiles.append(QDir::cleanPath(base.absoluteFilePath(file)));
        }
        if (envFiles.isEmpty()) {
            envFiles.append(QDir(m_projectDir).absoluteFilePath(QStringLiteral(".env")));
            required = false;
        }
        QMap<QString, QString> combined;
        for (const QString &file : envFiles) {
            if (!QFileInfo(file).isFile()) {
                if (required) {
                    m_diagnostics.error(
                        QStringLiteral("%1: env file not found").arg(displayName(file)));
                    return false;
                }
                continue;
            }
            const EnvFileParser::Result parsed =
                EnvFileParser::parseFile(file, displayName(file), shell);
            if (!parsed.values) {
                m_diagnostics.error(parsed.error);
                return false;
            }
            combined.insert(*parsed.values);
        }
        // The shell's environment beats the .env file, as in compose.
        combined.insert(m_options.environment);
        m_environment = combined;
        return true;
    }

    std::optional<QString> lookup(const QString &name) const
    {
        const auto it = m_environment.constFind(name);
        return it == m_environment.constEnd() ? std::nullopt : std::optional<QString>(*it);
    }

    Interpolator::Lookup lookupFunction() const
    {
        return [this](const QString &name) { return lookup(name); };
    }

    std::optional<Document> readDocument(const QString &path)
    {
        QFile file(path);
        if (!file.open(QIODevice::ReadOnly)) {
            m_diagnostics.error(
                QStringLiteral("%1: cannot read: %2").arg(displayName(path), file.errorString()));
            return std::nullopt;
        }
        if (file.size() > ComposeLoader::MaxFileSize) {
            m_diagnostics.error(QStringLiteral("%1: larger than %2 bytes")
                                    .arg(displayName(path))
                                    .arg(ComposeLoader::MaxFileSize));
            return std::nullopt;
        }
        return parseDocument(file.readAll(), path);
    }

    std::optional<Document> parseDocument(const QByteArray &text, const QString &path)
    {
        const QString name = displayName(path);
        YamlReader::Result read = YamlReader::read(text, name);
        if (!read.root) {
            m_diagnostics.error(read.error);
            return std::nullopt;
        }
        Document document;
        document.path = path;
        document.dir = QFileInfo(path).absolutePath();
        document.root = std::move(*read.root);
        if (document.root.isNull()) {
            document.root.kind = ComposeNode::Kind::Mapping;
        }
        if (!document.root.isMapping()) {
            m_diagnostics.error(document.root, QString(),
                                QStringLiteral("the top level must be a mapping"));
            return std::nullopt;
        }
        if (!interpolate(document.root, QString())) {
            return std::nullopt;
        }
        if (!checkTopLevel(document.root)) {
            return std::nullopt;
        }
        return document;
    }

    bool interpolate(ComposeNode &node, const QString &path)
    {
        if (node.isScalar()) {
            if (!Interpolator::needsExpansion(node.scalar)) {
                return true;
            }
            const Interpolator::Result expanded =
                Interpolator(lookupFunction()).expand(node.scalar);
            if (!expanded.value) {
                m_diagnostics.error(node, path, expanded.error);
                return false;
            }
            node.scalar = *expanded.value;
            return true;
        }
        for (size_t i = 0; i < node.children.size(); ++i) {
            ComposeNode &child = node.children[i];
            const QString childPath =
                node.isSequence()
                    ? path + QStringLiteral("[%1]").arg(i)
                    : (path.isEmpty() ? child.key : path + QLatin1Char('.') + child.key);
            if (!interpolate(child, childPath)) {
                return false;
            }
        }
        return true;
    }

    bool checkTopLevel(const ComposeNode &root)
    {
        for (const ComposeNode &entry : root.children) {
            if (entry.key.startsWith(QLatin1String("x-"))) {
                continue;
            }
            if (!knownTopLevelKeys().contains(entry.key)) {
                m_diagnostics.warning(entry, entry.key, QStringLiteral("unknown key, ignored"));
            } else if (entry.key == QLatin1String("version")) {
                m_diagnostics.warning(entry, entry.key, QStringLiteral("obsolete, ignored"));
            } else if (entry.key == QLatin1String("include")) {
                m_diagnostics.warning(entry, entry.key,
                                      QStringLiteral("not supported by Shoal, ignored"));
            }
        }
        const ComposeNode *services = root.find(QStringLiteral("services"));
        if (!services || services->isNull()) {
            return true;
        }
        if (!services->isMapping()) {
            m_diagnostics.error(*services, QStringLiteral("services"),
                                QStringLiteral("must be a mapping"));
            return false;
        }
        for (const ComposeNode &service : services->children) {
            if (!service.isMapping()) {
                m_diagnostics.error(service, QStringLiteral("services.") + service.key,
                                    QStringLiteral("must be a mapping"));
                return false;
            }
        }
        for (const char *section : {"networks", "volumes", "configs", "secrets"}) {
            const ComposeNode *node = root.find(QLatin1String(section));
            if (node && !node->isNull() && !node->isMapping()) {
                m_diagnostics.error(*node, QLatin1String(section),
                                    QStringLiteral("must be a mapping"));
                return false;
            }
        }
        return true;
    }

    QString homeDir() const { return lookup(QStringLiteral("HOME")).value_or(QDir::homePath()); }

    QString absolutePath(const QString &path, const QString &dir) const
    {
        if (path == QLatin1String("~") || path.startsWith(QLatin1String("~/"))) {
            return QDir::cleanPath(homeDir() + path.mid(1));
        }
        return QDir::cleanPath(QDir(dir).absoluteFilePath(path));
    }

    /// Paths in a service are relative to the file that wrote them; extends from another
    /// file makes that differ from the project folder, so they are made absolute early.
    void absolutizePaths(ComposeNode &service, const QString &dir) const
    {
        if (ComposeNode *build = service.find(QStringLiteral("build"))) {
            if (build->isScalar() && !isRemoteContext(build->scalar)) {
                build->scalar = absolutePath(build->scalar, dir);
            } else if (build->isMapping()) {
                ComposeNode *context = build->find(QStringLiteral("context"));
                if (!context) {
                    build->set(QStringLiteral("context"),
                               ComposeNode::makeScalar(QDir::cleanPath(dir), *build));
                } else if (context->isScalar() && !isRemoteContext(context->scalar)) {
                    context->scalar = absolutePath(context->scalar, dir);
                }
            }
        }
        if (ComposeNode *envFile = service.find(QStringLiteral("env_file"))) {
            const auto fix = [&](ComposeNode &entry) {
                if (entry.isScalar()) {
                    entry.scalar = absolutePath(entry.scalar, dir);
                } else if (ComposeNode *path = entry.find(QStringLiteral("path"))) {
                    if (path->isScalar()) {
                        path->scalar = absolutePath(path->scalar, dir);
                    }
                }
            };
            if (envFile->isSequence()) {
                for (ComposeNode &entry : envFile->children) {
                    fix(entry);
                }
            } else {
                fix(*envFile);
            }
        }
        if (ComposeNode *volumes = service.find(QStringLiteral("volumes"))) {
            for (ComposeNode &volume : volumes->children) {
                const auto isRelative = [](const QString &source) {
                    return source.startsWith(QLatin1Char('.')) ||
                           source.startsWith(QLatin1Char('~'));
                };
                if (volume.isScalar()) {
                    const int colon = volume.scalar.indexOf(QLatin1Char(':'));
                    const QString source = volume.scalar.left(colon);
                    if (colon > 0 && isRelative(source)) {
                        volume.scalar = absolutePath(source, dir) + volume.scalar.mid(colon);
                    }
                } else if (ComposeNode *source = volume.find(QStringLiteral("source"))) {
                    if (source->isScalar() && isRelative(source->scalar)) {
                        source->scalar = absolutePath(source->scalar, dir);
                    }
                }
            }
        }
    }

    const Document *extendsDocument(const QString &path, const ComposeNode &where,
                                    const QString &keyPath)
    {
        auto it = m_extendsDocuments.find(path);
        if (it != m_extendsDocuments.end()) {
            return &it->second;
        }
        if (!QFileInfo(path).isFile()) {
            m_diagnostics.error(where, keyPath,
                                QStringLiteral("file %1 not found").arg(displayName(path)));
            return nullptr;
        }
        std::optional<Document> document = readDocument(path);
        if (!document) {
            return nullptr;
        }
        return &m_extendsDocuments.emplace(path, std::move(*document)).first->second;
    }

    /// The service `name` of `document` with its own `extends` applied.
    std::optional<ComposeNode> resolveService(const Document &document, const QString &name,
                                              QStringList &chain)
    {
        const QString id = document.path + QLatin1Char('#') + name;
        if (const auto done = m_resolved.find(id); done != m_resolved.end()) {
            return done->second;
        }
        const ComposeNode *services = document.root.find(QStringLiteral("services"));
        const ComposeNode *service = services ? services->find(name) : nullptr;
        if (!service) {
            return std::nullopt;
        }
        const QString path = QStringLiteral("services.") + name + QStringLiteral(".extends");
        if (chain.contains(id)) {
            QStringList names;
            for (const QString &entry : chain.mid(chain.indexOf(id))) {
                names.append(entry.section(QLatin1Char('#'), -1));
            }
            names.append(name);
            m_diagnostics.error(
                *service, QStringLiteral("services.") + name,
                QStringLiteral("circular extends: %1").arg(names.join(QStringLiteral(" -> "))));
            return std::nullopt;
        }
        ComposeNode result = *service;
        const ComposeNode *extends = service->find(QStringLiteral("extends"));
        if (!extends) {
            m_resolved.emplace(id, result);
            return result;
        }
        if (chain.size() >= ComposeLoader::MaxExtendsDepth) {
            m_diagnostics.error(*extends, path,
                                QStringLiteral("extends chain longer than %1 services")
                                    .arg(ComposeLoader::MaxExtendsDepth));
            return std::nullopt;
        }

        QString baseName;
        const Document *baseDocument = &document;
        if (extends->isScalar()) {
            baseName = extends->scalar;
        } else if (extends->isMapping()) {
            const ComposeNode *serviceNode = extends->find(QStringLiteral("service"));
            const ComposeNode *fileNode = extends->find(QStringLiteral("file"));
            if (!serviceNode || !serviceNode->isScalar()) {
                m_diagnostics.error(*extends, path, QStringLiteral("needs a service name"));
                return std::nullopt;
            }
            baseName = serviceNode->scalar;
            if (fileNode) {
                if (!fileNode->isScalar()) {
                    m_diagnostics.error(*fileNode, path + QStringLiteral(".file"),
                                        QStringLiteral("must be a string"));
                    return std::nullopt;
                }
                baseDocument = extendsDocument(absolutePath(fileNode->scalar, document.dir),
                                               *fileNode, path + QStringLiteral(".file"));
                if (!baseDocument) {
                    return std::nullopt;
                }
            }
        } else {
            m_diagnostics.error(*extends, path,
                                QStringLiteral("must be a service name or a mapping"));
            return std::nullopt;
        }

        chain.append(id);
        std::optional<ComposeNode> base = resolveService(*baseDocument, baseName, chain);
        chain.removeLast();
        if (!base) {
            if (!m_diagnostics.hasError()) {
                m_diagnostics.error(*extends, path,
                                    QStringLiteral("service %1 not found in %2")
                                        .arg(baseName, displayName(baseDocument->path)));
            }
            return std::nullopt;
        }
        absolutizePaths(*base, baseDocument->dir);
        // The compose specification leaves these out of what extends shares: they tie a
        // service to others in its own file.
        for (const char *local : {"depends_on", "volumes_from", "links", "extends"}) {
            base->remove(QLatin1String(local));
        }
        result.remove(QStringLiteral("extends"));
        ComposeMerger::mergeService(*base, result);
        base->key = result.key;
        base->keyLine = result.keyLine;
        base->file = result.file;
        base->line = result.line;
        m_resolved.emplace(id, *base);
        return base;
    }

    QString projectName(const ComposeNode &root)
    {
        QString raw = m_options.projectName;
        QString source = QStringLiteral("-p");
        if (raw.isEmpty()) {
            raw = lookup(QStringLiteral("COMPOSE_PROJECT_NAME")).value_or(QString());
            source = QStringLiteral("COMPOSE_PROJECT_NAME");
        }
        if (raw.isEmpty()) {
            if (const ComposeNode *name = root.find(QStringLiteral("name"))) {
                raw = name->scalar;
                source = ComposeDiagnostics::format(*name, QStringLiteral("name"), QString());
            }
        }
        if (raw.isEmpty()) {
            raw = QFileInfo(m_projectDir).fileName();
            source = QStringLiteral("the folder name");
        }
        const QString name = ComposeLoader::normalizeProjectName(raw);
        if (name.isEmpty()) {
            m_diagnostics.error(QStringLiteral("project name \"%1\" (from %2) has no letters or "
                                               "digits; set one with -p")
                                    .arg(raw, source));
        }
        return name;
    }

    std::optional<ComposeProject> build(const QStringList &files, std::vector<Document> &documents)
    {
        Document &main = documents.front();
        for (size_t i = 1; i < documents.size(); ++i) {
            ComposeMerger::mergeDocuments(main.root, documents[i].root);
        }
        main.dir = m_projectDir;

        ComposeProject project;
        project.workingDir = m_projectDir;
        project.configFiles = files;
        project.name = projectName(main.root);
        if (m_diagnostics.hasError()) {
            return std::nullopt;
        }

        ServiceParser::Context context;
        context.lookup = lookupFunction();
        context.networks.insert(QStringLiteral("default"));
        if (!parseTopLevel(main.root, project, context)) {
            return std::nullopt;
        }

        const ComposeNode *services = main.root.find(QStringLiteral("services"));
        std::vector<ComposeNode> resolved;
        if (services) {
            for (const ComposeNode &entry : services->children) {
                QStringList chain;
                std::optional<ComposeNode> service = resolveService(main, entry.key, chain);
                if (!service) {
                    return std::nullopt;
                }
                absolutizePaths(*service, m_projectDir);
                resolved.push_back(std::move(*service));
            }
        }

        QStringList active = m_options.profiles;
        const QString fromEnv = lookup(QStringLiteral("COMPOSE_PROFILES")).value_or(QString());
        for (const QString &profile : fromEnv.split(QLatin1Char(','), Qt::SkipEmptyParts)) {
            active.append(profile.trimmed());
        }
        ServiceParser parser(context, m_diagnostics);
        QMap<QString, QStringList> inactive;
        for (const ComposeNode &node : resolved) {
            std::optional<ServiceSpec> spec = parser.parse(node.key, node);
            if (!spec) {
                return std::nullopt;
            }
            bool enabled = spec->profiles.isEmpty() || active.contains(QStringLiteral("*"));
            for (const QString &profile : spec->profiles) {
                enabled = enabled || active.contains(profile);
            }
            if (!enabled) {
                qCDebug(lcCompose) << "service" << spec->name << "left out: profiles"
                                   << spec->profiles << "not active";
                inactive.insert(spec->name, spec->profiles);
                continue;
            }
            project.services.append(*spec);
        }
        if (!checkDependencies(project, inactive, resolved)) {
            return std::nullopt;
        }
        warnAboutSharedHostPorts(project, resolved);
        bool usesDefaultNetwork = false;
        for (const ServiceSpec &spec : project.services) {
            usesDefaultNetwork = usesDefaultNetwork || spec.networks.isEmpty() ||
                                 spec.networks.contains(QStringLiteral("default"));
        }
        const bool declared = std::any_of(
            project.networks.cbegin(), project.networks.cend(),
            [](const NetworkSpec &network) { return network.name == QLatin1String("default"); });
        if (usesDefaultNetwork && !declared) {
            NetworkSpec network;
            network.name = QStringLiteral("default");
            project.networks.prepend(network);
        }
        return project;
    }

    /// Two services publishing the same host port cannot both start; compose finds out only
    /// when the second one fails to bind, so the clash is pointed out while loading.
    void warnAboutSharedHostPorts(const ComposeProject &project,
                                  const std::vector<ComposeNode> &nodes)
    {
        for (int i = 0; i < project.services.size(); ++i) {
            const ServiceSpec &first = project.services.at(i);
            for (int j = i + 1; j < project.services.size(); ++j) {
                const ServiceSpec &second = project.services.at(j);
                for (const PortMapping &a : first.ports) {
                    for (const PortMapping &b : second.ports) {
                        const bool overlap =
                            a.published > 0 && b.published > 0 && a.protocol == b.protocol &&
                            (a.hostIp == b.hostIp || a.hostIp.isEmpty() || b.hostIp.isEmpty()) &&
                            a.published <= b.publishedEnd && b.published <= a.publishedEnd;
                        if (!overlap) {
                            continue;
                        }
                        const auto node =
                            std::find_if(nodes.cbegin(), nodes.cend(), [&](const ComposeNode &n) {
                                return n.key == second.name;
                            });
                        const ComposeNode *ports = node->find(QStringLiteral("ports"));
                        m_diagnostics.warning(
                            ports ? *ports : *node,
                            QStringLiteral("services.%1.ports").arg(second.name),
                            QStringLiteral("host port %1/%2 is also published by service %3")
                                .arg(std::max(a.published, b.published))
                                .arg(a.protocol, first.name));
                    }
                }
            }
        }
    }

    bool checkDependencies(ComposeProject &project, const QMap<QString, QStringList> &inactive,
                           const std::vector<ComposeNode> &nodes)
    {
        for (ServiceSpec &spec : project.services) {
            const auto node = std::find_if(nodes.cbegin(), nodes.cend(), [&](const ComposeNode &n) {
                return n.key == spec.name;
            });
            const ComposeNode *where = node->find(QStringLiteral("depends_on"));
            const QString path = QStringLiteral("services.%1.depends_on").arg(spec.name);
            QList<DependsOn> kept;
            for (const DependsOn &dependency : std::as_const(spec.dependsOn)) {
                const bool defined = project.service(dependency.service) != nullptr;
                if (defined) {
                    kept.append(dependency);
                    continue;
                }
                if (!dependency.required) {
                    continue;
                }
                if (inactive.contains(dependency.service)) {
                    m_diagnostics.error(
                        *where, path,
                        QStringLiteral("service %1 is only in profile(s) %2, "
                                       "which are not active")
                            .arg(dependency.service,
                                 inactive.value(dependency.service).join(QStringLiteral(", "))));
                    return false;
                }
                m_diagnostics.error(
                    *where, path,
                    QStringLiteral("depends on undefined service %1").arg(dependency.service));
                return false;
            }
            spec.dependsOn = kept;
        }
        return true;
    }

    bool parseTopLevel(const ComposeNode &root, ComposeProject &project,
                       ServiceParser::Context &context)
    {
        for (const ComposeNode &entry : root.children) {
            if (entry.key.startsWith(QLatin1String("x-"))) {
                project.extensions.insert(entry.key, toJson(entry));
            }
        }
        for (const char *section : {"networks", "volumes"}) {
            const ComposeNode *node = root.find(QLatin1String(section));
            if (!node) {
                continue;
            }
            const bool isNetwork = qstrcmp(section, "networks") == 0;
            for (const ComposeNode &entry : node->children) {
                const QString path = QLatin1String(section) + QLatin1Char('.') + entry.key;
                if (!entry.isNull() && !entry.isMapping()) {
                    m_diagnostics.error(entry, path, QStringLiteral("must be a mapping or null"));
                    return false;
                }
                QString driver;
                bool external = false;
                QMap<QString, QString> labels;
                for (const ComposeNode &field : entry.children) {
                    if (field.key == QLatin1String("driver")) {
                        driver = field.scalar;
                    } else if (field.key == QLatin1String("external")) {
                        external = field.isMapping() || field.scalar == QLatin1String("true");
                    } else if (field.key == QLatin1String("labels")) {
                        if (field.isSequence()) {
                            for (const ComposeNode &label : field.children) {
                                labels.insert(label.scalar.section(QLatin1Char('='), 0, 0),
                                              label.scalar.section(QLatin1Char('='), 1));
                            }
                        } else {
                            for (const ComposeNode &label : field.children) {
                                labels.insert(label.key, label.scalar);
                            }
                        }
                    }
                }
                if (isNetwork) {
                    NetworkSpec network{entry.key, driver, external, labels};
                    project.networks.append(network);
                    context.networks.insert(entry.key);
                } else {
                    VolumeSpec volume{entry.key, driver, external, labels};
                    project.volumes.append(volume);
                    context.volumes.insert(entry.key);
                }
            }
        }
        return true;
    }

    const ComposeLoadOptions &m_options;
    ComposeDiagnostics &m_diagnostics;
    QString m_projectDir;
    QMap<QString, QString> m_environment;
    std::map<QString, Document> m_extendsDocuments;
    std::map<QString, ComposeNode> m_resolved;
};

ComposeLoadResult finish(std::optional<ComposeProject> project,
                         const ComposeDiagnostics &diagnostics)
{
    ComposeLoadResult result;
    result.warnings = diagnostics.warnings();
    if (diagnostics.hasError() || !project) {
        result.error = diagnostics.hasError() ? diagnostics.firstError()
                                              : QStringLiteral("cannot load the compose project");
        qCDebug(lcCompose) << "load failed:" << result.error;
        return result;
    }
    result.project = std::move(project);
    return result;
}

} // namespace

ComposeLoadResult ComposeLoader::load(const ComposeLoadOptions &options)
{
    ComposeDiagnostics diagnostics;
    LoadRun run(options, diagnostics);
    return finish(run.fromFiles(), diagnostics);
}

ComposeLoadResult ComposeLoader::loadFile(const QString &path)
{
    ComposeLoadOptions options;
    options.files = QStringList{path};
    const QProcessEnvironment system = QProcessEnvironment::systemEnvironment();
    for (const QString &key : system.keys()) {
        options.environment.insert(key, system.value(key));
    }
    return load(options);
}

ComposeLoadResult ComposeLoader::loadFromString(const QByteArray &text, const QString &fileName,
                                                const QMap<QString, QString> &environment,
                                                const QString &projectName)
{
    ComposeLoadOptions options;
    options.environment = environment;
    options.projectName = projectName;
    ComposeDiagnostics diagnostics;
    LoadRun run(options, diagnostics);
    return finish(run.fromText(text, fileName), diagnostics);
}

QString ComposeLoader::normalizeProjectName(const QString &name)
{
    QString out;
    for (const QChar c : name.toLower()) {
        const bool allowed = (c >= QLatin1Char('a') && c <= QLatin1Char('z')) ||
                             (c >= QLatin1Char('0') && c <= QLatin1Char('9')) ||
                             c == QLatin1Char('_') || c == QLatin1Char('-');
        if (allowed) {
            out += c;
        }
    }
    while (!out.isEmpty() && (out.at(0) == QLatin1Char('_') || out.at(0) == QLatin1Char('-'))) {
        out.remove(0, 1);
    }
    return out;
}

} // namespace Shoal::Core
