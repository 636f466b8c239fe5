from odoo import sql_db
from odoo.tests import tagged
from odoo.tools import SQL, mute_logger

from .common import LetterCase


@tagged("post_install", "-at_install")
class TestLetterBatches(LetterCase):
    """A batch that fails never makes the cron fail nor wait an hour
    unsaid, and an email the relay took is never undone by its evidence."""

    def scheduled_run(self, output="print"):
        """A run the cron takes, as the wizard leaves a long one."""
        wizard = self.wizard(output=output)
        return wizard._create_run(*wizard._check_and_select())

    def set_render_seconds(self, seconds):
        self.env["ir.config_parameter"].set_param(
            "facto_demat.letter_render_seconds", seconds
        )

    @mute_logger("odoo.addons.facto_demat.models.facto_demat_letter_run")
    def test_a_failed_batch_is_said_tried_again_then_waits_until_resumed(self):
        run = self.scheduled_run()
        self.set_render_seconds("0.0001")  # the PDF engine cannot make it
        cron = self.env.ref("facto_demat.ir_cron_demat_letter_run")
        self.run_letter_cron()
        self.assertEqual(run.state, "in_progress")
        self.assertFalse(run.line_ids.filtered(lambda line: line.state != "pending"))
        self.assertIn("tried again at once", run.batch_failure_reason)
        self.assertIn("could not be printed", run.batch_failure_reason)
        self.assertIn(run, run._ready_runs(), "no hour lost")
        self.assertTrue(cron.active)
        self.run_letter_cron()
        self.run_letter_cron()
        self.assertIn("or until someone presses Resume", run.batch_failure_reason)
        self.assertTrue(run.batch_retry_date)
        self.assertNotIn(run, run._ready_runs())
        self.set_render_seconds("600")
        self.run_letter_cron()
        self.assertEqual(run.state, "in_progress", "it waits, as it says")
        self.authenticate_and_resume(run)
        self.assertFalse(run.batch_failure_reason)
        self.run_letter_cron()
        self.assertEqual(run.state, "done")

    def authenticate_and_resume(self, run):
        clerk = self.company_user("clerk-resume", "account.group_account_invoice")
        run.with_user(clerk).action_resume()
        run.invalidate_recordset()

    @mute_logger(
        "odoo.addons.facto_demat.models.facto_demat_letter_run_line", "odoo.sql_db"
    )
    def test_an_email_taken_by_the_relay_stays_sent_when_its_customer_is_busy(self):
        """The customer was written by another transaction since this one
        began (she answered her letter by link): the evidence waits for the
        letter cron; the email and its letter are not undone."""
        partner = self.env.ref("base.public_partner")  # committed, untouched here
        run = self.env["facto.demat.letter.run"].sudo().create({"output": "email"})
        line = (
            self.env["facto.demat.letter.run.line"]
            .sudo()
            .create(
                {
                    "run_id": run.id,
                    "partner_id": partner.id,
                    "output": "email",
                    "state": "queued",
                    "email": "info@yourcompany.example",
                }
            )
        )
        message = self.env["mail.message"].create(
            {"model": "res.partner", "res_id": partner.id, "body": "Lettre"}
        )
        self.env.flush_all()
        with sql_db.db_connect(self.cr.dbname).cursor() as other:
            other.execute("SET LOCAL lock_timeout = '5s'")
            other.execute(
                SQL(
                    "UPDATE res_partner SET write_date = write_date WHERE id = %s",
                    partner.id,
                )
            )
            other.commit()  # pylint: disable=invalid-commit
        line._mark_emailed(message)
        self.assertEqual(line.state, "queued", "its evidence waits")
        self.assertEqual(line.mail_message_id, message)
        run._end_letters_without_email()
        self.assertEqual(line.state, "queued", "not taken for a lost email")
