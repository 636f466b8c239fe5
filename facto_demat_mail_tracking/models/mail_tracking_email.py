from odoo import models


class MailTrackingEmail(models.Model):
    _inherit = "mail.tracking.email"

    def event_create(self, event_type, metadata):
        # EXTENDS 'mail_tracking': its hard bounce of a letter or a customer
        # document (a webhook of the mail service, or its own checks) is a
        # bounce for facto_demat too: the letter ends bounced, the address
        # no longer receives documents, the customer's chatter says it
        events = super().event_create(event_type, metadata)
        if event_type != "hard_bounce":
            return events
        for event in events.sudo():
            tracking = event.tracking_email_id
            self.env["mail.thread"]._demat_receive_bounce(
                tracking.mail_message_id,
                event.recipient_address or tracking.recipient_address,
                tracking.bounce_description
                or event.error_description
                or event.error_details
                or "",
            )
        return events
