#include <core/engine/containerstats.h>

#include <QJsonDocument>
#include <QJsonObject>
#include <QTest>

using Shoal::Core::computeStatsSample;
using Shoal::Core::cpuLimitFromInspect;
using Shoal::Core::cpusetSize;

namespace {

QJsonObject parse(const QByteArray &json)
{
    QJsonParseError error;
    const QJsonDocument doc = QJsonDocument::fromJson(json, &error);
    if (error.error != QJsonParseError::NoError) {
        qFatal("test data is not JSON: %s", qPrintable(error.errorString()));
    }
    return doc.object();
}

/// A streamed frame with a previous sample, as the engine sends from the second one on.
QByteArray cpuFrame(const QByteArray &cpuUsage, const QByteArray &preCpuUsage,
                    const QByteArray &memory = R"({"usage": 0, "limit": 0})")
{
    return R"({"read": "2031-03-04T05:06:08.000000000Z",
               "preread": "2031-03-04T05:06:07.000000000Z",
               "cpu_stats": )" +
           cpuUsage + R"(, "precpu_stats": )" + preCpuUsage + R"(, "memory_stats": )" + memory +
           "}";
}

} // namespace

class TestContainerStats : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void testCpuPercent_data();
    void testCpuPercent();
    void testMemory_data();
    void testMemory();
    void testNetworkSummedOverInterfaces();
    void testFramesWithoutPreviousSample_data();
    void testFramesWithoutPreviousSample();
    void testSecondFrameOfStreamIsFirstPoint();
    void testCpuLimitFromInspect_data();
    void testCpuLimitFromInspect();
    void testCpusetSize_data();
    void testCpusetSize();
};

void TestContainerStats::testCpuPercent_data()
{
    QTest::addColumn<QByteArray>("frame");
    QTest::addColumn<double>("cpuPercent");
    QTest::addColumn<int>("onlineCpus");

    // 1.2e9 of 2e9 system ns on 4 online cores; percpu is padded with offline cores, and
    // dividing by its length (6) would give 360 %.
    QTest::newRow("cgroup v1, online_cpus 4, percpu padded to 6, above 100 %")
        << cpuFrame(R"({"cpu_usage": {"total_usage": 41200000000,
                         "percpu_usage": [10300000000, 10300000000, 10300000000, 10300000000,
                                          0, 0]},
                        "system_cpu_usage": 9002000000000, "online_cpus": 4})",
                    R"({"cpu_usage": {"total_usage": 40000000000,
                         "percpu_usage": [10000000000, 10000000000, 10000000000, 10000000000,
                                          0, 0]},
                        "system_cpu_usage": 9000000000000, "online_cpus": 4})")
        << 240.0 << 4;
    QTest::newRow("online_cpus wins over a percpu list of 12")
        << cpuFrame(R"({"cpu_usage": {"total_usage": 1512000000,
                         "percpu_usage": [1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]},
                        "system_cpu_usage": 12560000000, "online_cpus": 2})",
                    R"({"cpu_usage": {"total_usage": 1000000000},
                        "system_cpu_usage": 10000000000, "online_cpus": 2})")
        << 40.0 << 2;
    QTest::newRow("no online_cpus key: length of percpu_usage (3)")
        << cpuFrame(R"({"cpu_usage": {"total_usage": 3900000000,
                         "percpu_usage": [1300000000, 1300000000, 1300000000]},
                        "system_cpu_usage": 23000000000})",
                    R"({"cpu_usage": {"total_usage": 3000000000,
                         "percpu_usage": [1000000000, 1000000000, 1000000000]},
                        "system_cpu_usage": 20000000000})")
        << 90.0 << 3;
    QTest::newRow("online_cpus 0 also falls back to percpu length")
        << cpuFrame(R"({"cpu_usage": {"total_usage": 700, "percpu_usage": [350, 350]},
                        "system_cpu_usage": 2000, "online_cpus": 0})",
                    R"({"cpu_usage": {"total_usage": 300}, "system_cpu_usage": 1000})")
        << 80.0 << 2;
    QTest::newRow("identical counters give 0, not NaN")
        << cpuFrame(R"({"cpu_usage": {"total_usage": 5000}, "system_cpu_usage": 9000,
                        "online_cpus": 8})",
                    R"({"cpu_usage": {"total_usage": 5000}, "system_cpu_usage": 9000,
                        "online_cpus": 8})")
        << 0.0 << 8;
    QTest::newRow("container counter went backwards gives 0")
        << cpuFrame(R"({"cpu_usage": {"total_usage": 4000}, "system_cpu_usage": 9500,
                        "online_cpus": 2})",
                    R"({"cpu_usage": {"total_usage": 5000}, "system_cpu_usage": 9000})")
        << 0.0 << 2;
    QTest::newRow("system counter went backwards gives 0")
        << cpuFrame(R"({"cpu_usage": {"total_usage": 6000}, "system_cpu_usage": 8000,
                        "online_cpus": 2})",
                    R"({"cpu_usage": {"total_usage": 5000}, "system_cpu_usage": 9000})")
        << 0.0 << 2;
    QTest::newRow("no cpu count at all gives 0")
        << cpuFrame(R"({"cpu_usage": {"total_usage": 6000}, "system_cpu_usage": 10000})",
                    R"({"cpu_usage": {"total_usage": 5000}, "system_cpu_usage": 9000})")
        << 0.0 << 0;
}

void TestContainerStats::testCpuPercent()
{
    QFETCH(QByteArray, frame);
    QFETCH(double, cpuPercent);
    QFETCH(int, onlineCpus);

    const auto sample = computeStatsSample(parse(frame));

    QVERIFY(sample.has_value());
    QVERIFY(qAbs(sample->cpuPercent - cpuPercent) < 0.01);
    QCOMPARE(sample->onlineCpus, onlineCpus);
}

void TestContainerStats::testMemory_data()
{
    QTest::addColumn<QByteArray>("memory");
    QTest::addColumn<quint64>("usage");
    QTest::addColumn<quint64>("limit");
    QTest::addColumn<double>("percent");

    // 200 MiB used, 10 MiB of it inactive page cache, 4 GiB limit.
    QTest::newRow("cgroup v1 subtracts total_inactive_file")
        << QByteArray(R"({"usage": 209715200, "limit": 4294967296,
                          "stats": {"total_inactive_file": 10485760, "inactive_file": 1,
                                    "cache": 20971520}})")
        << quint64(199229440) << quint64(4294967296) << 4.638671875;
    // 300 MiB used, 50 MiB inactive, 1 GiB limit.
    QTest::newRow("cgroup v2 subtracts inactive_file")
        << QByteArray(R"({"usage": 314572800, "limit": 1073741824,
                          "stats": {"inactive_file": 52428800, "anon": 262144000}})")
        << quint64(262144000) << quint64(1073741824) << 24.4140625;
    QTest::newRow("v1 inactive not below usage falls through to inactive_file")
        << QByteArray(R"({"usage": 1000, "limit": 4000,
                          "stats": {"total_inactive_file": 1000, "inactive_file": 200}})")
        << quint64(800) << quint64(4000) << 20.0;
    QTest::newRow("inactive larger than usage leaves usage as is")
        << QByteArray(R"({"usage": 1000, "limit": 2000, "stats": {"inactive_file": 5000}})")
        << quint64(1000) << quint64(2000) << 50.0;
    QTest::newRow("limit 0 gives memory percent 0")
        << QByteArray(R"({"usage": 4096, "limit": 0})") << quint64(4096) << quint64(0) << 0.0;
    QTest::newRow("empty memory_stats gives zeros")
        << QByteArray("{}") << quint64(0) << quint64(0) << 0.0;
}

void TestContainerStats::testMemory()
{
    QFETCH(QByteArray, memory);
    QFETCH(quint64, usage);
    QFETCH(quint64, limit);
    QFETCH(double, percent);

    const QByteArray cpu = R"({"cpu_usage": {"total_usage": 2}, "system_cpu_usage": 20,
                               "online_cpus": 1})";
    const QByteArray precpu = R"({"cpu_usage": {"total_usage": 1}, "system_cpu_usage": 10})";
    const auto sample = computeStatsSample(parse(cpuFrame(cpu, precpu, memory)));

    QVERIFY(sample.has_value());
    QCOMPARE(sample->memoryUsage, usage);
    QCOMPARE(sample->memoryLimit, limit);
    QVERIFY(qAbs(sample->memoryPercent - percent) < 0.0001);
}

void TestContainerStats::testNetworkSummedOverInterfaces()
{
    QJsonObject frame = parse(cpuFrame(R"({"cpu_usage": {"total_usage": 2},
                                           "system_cpu_usage": 20, "online_cpus": 1})",
                                       R"({"cpu_usage": {"total_usage": 1},
                                           "system_cpu_usage": 10})"));
    frame.insert(QStringLiteral("networks"), parse(R"({"eth0": {"rx_bytes": 1000, "tx_bytes": 200},
                           "eth1": {"rx_bytes": 24, "tx_bytes": 56}})"));

    const auto sample = computeStatsSample(frame);

    QVERIFY(sample.has_value());
    QCOMPARE(sample->networkRx, quint64(1024));
    QCOMPARE(sample->networkTx, quint64(256));
}

void TestContainerStats::testFramesWithoutPreviousSample_data()
{
    QTest::addColumn<QByteArray>("frame");

    // First frame of a stream on a 6-core host: the naive formula would plot the lifetime
    // average 2.4e12 / 9.0e14 * 6 * 100 = 1.6 %, which must not appear.
    QTest::newRow("first frame of a stream: precpu has no system_cpu_usage")
        << QByteArray(R"({"read": "2031-03-04T05:06:07.000000000Z",
                          "preread": "0001-01-01T00:00:00Z",
                          "cpu_stats": {"cpu_usage": {"total_usage": 2400000000000},
                                        "system_cpu_usage": 900000000000000, "online_cpus": 6},
                          "precpu_stats": {"cpu_usage": {"total_usage": 0},
                                           "throttling_data": {"periods": 0}},
                          "memory_stats": {"usage": 52428800, "limit": 2147483648,
                                           "stats": {"inactive_file": 0}}})");
    QTest::newRow("one-shot frame: precpu system 0")
        << QByteArray(R"({"preread": "0001-01-01T00:00:00Z",
                          "cpu_stats": {"cpu_usage": {"total_usage": 77},
                                        "system_cpu_usage": 777, "online_cpus": 2},
                          "precpu_stats": {"cpu_usage": {"total_usage": 0},
                                           "system_cpu_usage": 0}})");
    QTest::newRow("preread is the zero time although precpu looks filled")
        << QByteArray(R"({"preread": "0001-01-01T00:00:00Z",
                          "cpu_stats": {"cpu_usage": {"total_usage": 90},
                                        "system_cpu_usage": 900, "online_cpus": 2},
                          "precpu_stats": {"cpu_usage": {"total_usage": 10},
                                           "system_cpu_usage": 100}})");
    QTest::newRow("stopped container: zero read time, zero counters, empty memory")
        << QByteArray(R"({"read": "0001-01-01T00:00:00Z", "preread": "0001-01-01T00:00:00Z",
                          "cpu_stats": {"cpu_usage": {"total_usage": 0},
                                        "system_cpu_usage": 0, "online_cpus": 0},
                          "precpu_stats": {"cpu_usage": {"total_usage": 0}},
                          "memory_stats": {}})");
    QTest::newRow("empty object") << QByteArray("{}");
    QTest::newRow("wrong types everywhere")
        << QByteArray(R"({"preread": 5, "cpu_stats": "busy", "precpu_stats": [1, 2],
                          "memory_stats": {"usage": "lots"}, "networks": 3})");
}

void TestContainerStats::testFramesWithoutPreviousSample()
{
    QFETCH(QByteArray, frame);

    QCOMPARE(computeStatsSample(parse(frame)), std::nullopt);
}

void TestContainerStats::testSecondFrameOfStreamIsFirstPoint()
{
    // Given the second frame of a stream, whose precpu_stats is the first frame's cpu_stats,
    const QByteArray second = cpuFrame(
        R"({"cpu_usage": {"total_usage": 2400900000000}, "system_cpu_usage": 900006000000000,
            "online_cpus": 6})",
        R"({"cpu_usage": {"total_usage": 2400000000000}, "system_cpu_usage": 900000000000000,
            "online_cpus": 6})");

    // when it is computed,
    const auto sample = computeStatsSample(parse(second));

    // then it gives the first real point: 0.9e9 / 6e9 * 6 * 100 = 90 %.
    QVERIFY(sample.has_value());
    QVERIFY(qAbs(sample->cpuPercent - 90.0) < 0.01);
}

void TestContainerStats::testCpuLimitFromInspect_data()
{
    QTest::addColumn<QByteArray>("hostConfig");
    QTest::addColumn<double>("cores");
    QTest::addColumn<QString>("cpuset");
    QTest::newRow("no limit") << QByteArray(R"({"NanoCpus": 0, "CpuQuota": 0})") << 0.0
                              << QString();
    QTest::newRow("cpus: 0.5") << QByteArray(R"({"NanoCpus": 500000000})") << 0.5 << QString();
    QTest::newRow("quota over period")
        << QByteArray(R"({"CpuQuota": 150000, "CpuPeriod": 100000})") << 1.5 << QString();
    QTest::newRow("quota with the default period")
        << QByteArray(R"({"CpuQuota": 25000, "CpuPeriod": 0})") << 0.25 << QString();
    QTest::newRow("cpuset alone") << QByteArray(R"({"CpusetCpus": "0-2,5"})") << 4.0
                                  << QStringLiteral("0-2,5");
    QTest::newRow("nano below the cpuset")
        << QByteArray(R"({"NanoCpus": 500000000, "CpusetCpus": "0,1"})") << 0.5
        << QStringLiteral("0,1");
    QTest::newRow("cpuset below the nano")
        << QByteArray(R"({"NanoCpus": 3000000000, "CpusetCpus": "1"})") << 1.0
        << QStringLiteral("1");
    QTest::newRow("malformed cpuset is no limit")
        << QByteArray(R"({"CpusetCpus": "2-x"})") << 0.0 << QString();
}

void TestContainerStats::testCpuLimitFromInspect()
{
    QFETCH(QByteArray, hostConfig);
    QFETCH(double, cores);
    QFETCH(QString, cpuset);
    const auto limit = cpuLimitFromInspect(parse(R"({"HostConfig": )" + hostConfig + "}"));
    QCOMPARE(limit.cores, cores);
    QCOMPARE(limit.cpuset, cpuset);
}

void TestContainerStats::testCpusetSize_data()
{
    QTest::addColumn<QString>("cpuset");
    QTest::addColumn<int>("size");
    QTest::newRow("empty") << QString() << 0;
    QTest::newRow("one") << QStringLiteral("3") << 1;
    QTest::newRow("range and single") << QStringLiteral("0-3,6") << 5;
    QTest::newRow("overlap counts once") << QStringLiteral("0-2,1-3") << 4;
    QTest::newRow("reversed range") << QStringLiteral("3-1") << 0;
    QTest::newRow("negative") << QStringLiteral("-1") << 0;
    QTest::newRow("absurd range") << QStringLiteral("0-4294967295") << 0;
    QTest::newRow("garbage") << QStringLiteral("a,b") << 0;
}

void TestContainerStats::testCpusetSize()
{
    QFETCH(QString, cpuset);
    QFETCH(int, size);
    QCOMPARE(cpusetSize(cpuset), size);
}

QTEST_GUILESS_MAIN(TestContainerStats)
#include "tst_containerstats.moc"
