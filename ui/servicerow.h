#pragma once

#include <core/stack/replicainfo.h>

#include <QObject>
#include <QString>

class QGridLayout;
class QLabel;
class QSlider;
class QSpinBox;
class QTimer;
class QToolButton;
class QWidget;

namespace Shoal::Ui {

/// The widgets of one service in the service panel's grid: name, image, replica count,
/// proxy address, Up / Down / Restart buttons and the scale slider with its spin box.
///
/// The slider and the spin box show the asked count; a user's choice is reported through
/// scaleChosen() when the slider is released or, for the spin box and the keyboard, once
/// the value has rested for a moment.
class ServiceRow final : public QObject
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(ServiceRow)

public:
    static constexpr int SliderMaximum = 20;
    static constexpr int MaximumReplicas = 100;
    static constexpr int DebounceMs = 300;

    /// Creates the widgets as children of `host` and puts them on `row` of `grid`.
    ServiceRow(const QString &service, QGridLayout *grid, int row, QWidget *host);

    QString service() const { return m_service; }
    /// Shows the stack's view of the service, unless the user is choosing a new count.
    void setState(const Core::ServiceState &state, bool httpProxy);
    /// The stack finished a scale of this service: its count is authoritative again.
    void clearPending();
    void setScalingEnabled(bool enabled);
    /// The service's CPU as the sum of its replicas, already in the chosen scale; negative
    /// when nothing has been measured.
    void setCpuTotal(double percent, const QString &explanation);

Q_SIGNALS:
    void scaleChosen(const QString &service, int replicas);
    void distributionTestRequested(const QString &service);
    void logsRequested(const QString &service);
    void startRequested(const QString &service);
    void stopRequested(const QString &service);
    void restartRequested(const QString &service);

private:
    void onSliderMoved(int value);
    void onSpinChanged(int value);
    void commit();
    void showCount(int value);
    bool isUserChoosing() const;
    void copyAddresses();
    QToolButton *addActionButton(const QString &icon, const QString &text, const QString &name,
                                 void (ServiceRow::*signal)(const QString &));

    QString m_service;
    QLabel *m_name;
    QLabel *m_image;
    QLabel *m_count;
    QLabel *m_cpu;
    QLabel *m_proxies;
    QToolButton *m_copy;
    QToolButton *m_test;
    QToolButton *m_logs;
    QToolButton *m_up;
    QToolButton *m_down;
    QToolButton *m_restart;
    QSlider *m_slider;
    QSpinBox *m_spin;
    QTimer *m_debounce;
    QStringList m_addresses;
    int m_desired = -1;
    int m_pending = -1; ///< last count sent and not yet reflected by the stack
};

} // namespace Shoal::Ui
