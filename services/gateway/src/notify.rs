//! The channels escalation's notifications go out by: the configured outbound channels
//! (`cla_notify`), behind escalation's `Sender`.

use cla_alerts::escalation::events::NotificationChannel;
use cla_alerts::escalation::{Message, SendFailure, Sender};
use cla_notify::{Channel, Notification, Notifier};

/// The configured channels.
pub struct Channels(pub Notifier);

fn channel(c: NotificationChannel) -> Option<Channel> {
    match c {
        NotificationChannel::Email => Some(Channel::Email),
        NotificationChannel::Sms => Some(Channel::Sms),
        NotificationChannel::Webhook => Some(Channel::Webhook),
        NotificationChannel::Unspecified => None,
    }
}

#[async_trait::async_trait]
impl Sender for Channels {
    fn has(&self, c: NotificationChannel) -> bool {
        channel(c).is_some_and(|c| self.0.has(c))
    }

    async fn send(
        &self,
        c: NotificationChannel,
        to: &str,
        message: &Message,
    ) -> Result<(), SendFailure> {
        let Some(c) = channel(c) else {
            return Err(SendFailure {
                retryable: false,
                reason: "no such channel".into(),
            });
        };
        let n = Notification {
            id: message.id.clone(),
            subject: message.subject.clone(),
            text: message.text.clone(),
            link: message.link.clone(),
            payload: message.payload.clone(),
        };
        self.0.send(c, to, &n).await.map_err(|e| SendFailure {
            retryable: e.retryable,
            reason: e.reason,
        })
    }
}

/// "ACK <code>" SMS replies, handed by the field channel to escalation.
pub struct SmsAcknowledgements(pub cla_alerts::escalation::EscalationApp);

#[async_trait::async_trait]
impl cla_field::app::Acknowledgements for SmsAcknowledgements {
    async fn acknowledge(&self, from: &str, text: &str) -> Option<String> {
        self.0.acknowledge_by_sms(from, text).await
    }
}
