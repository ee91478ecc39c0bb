"""Payouts: creators get paid — Stripe Connect accounts, the platform's fee, monthly statements, the money view.

Owns `payout-accounts` (one row per creator: the Express account id and its state; GSI
`by_stripe_account`), `payout-statements` (counters per creator × `<YYYY-MM>#<CUR>`, and `ALL#<CUR>` all-time) and
`payouts` (one row per Stripe payout; LSI `recent`). Imports only core and accounts (the creator's tier); commerce
and catalog call it.

Modes (`PAYOUTS_MODE`): `connect` (production): a paid checkout is a destination charge (`transfer_data.destination`
= the creator's account, `on_behalf_of` it, `application_fee_amount` = our fee); publishing a paid product, or making
a published product paid, needs an account whose `charges_enabled` is true (409 `payouts_not_ready`, the onboarding
route in the details; free products always publish); a checkout whose creator can no longer accept charges is 409
before anything is written (`accounts.charge_terms`). `platform_collects` (the local runtime and tests: localstripe
has no Connect): ordinary charges as before; the fee and share are still computed and recorded, statements still
move, and the money view says the platform holds the creator's share (balance = the all-time statement net, from our
own rows; paying it out is an operations task outside the app). Onboarding answers 409 `onboarding_unavailable`.

Fee (`fees`): per creator tier (the creator account's tier, `accounts`; `PLATFORM_FEES` = tier:bps:fixed, `starter`
the default and the fallback; fixed is in minor units of the order's currency, whatever it is): fee = min(amount,
round_half_up(amount × bps / 10 000) + fixed), share = amount − fee, both 0 on a free order; recorded on the order
at checkout (`platform_fee_cents`, `creator_share_cents`).
Refunds (`commerce.refunds`): destination charges are refunded with `reverse_transfer` and `refund_application_fee`
(full and partial), and the order records the fee given back by a cumulative rule: refunded_fee = round_half_up(fee ×
refunded / amount), so partial refunds adding up to the amount give back exactly the fee.
Disputes: Stripe debits the connected account when a chargeback opens and credits it back when it is won; so the
statement's `dispute_losses_cents` takes the creator's remaining net of the order while a dispute is open (not an
inquiry, `warning_*`) and once it is lost, and gives it back when it is won (Stripe's dispute fee is not modelled).

Statements (`statements`): an order's position (orders, gross, fees, refunds, refunded fees, dispute losses, net =
gross − fees − refunds + refunded fees − dispute losses) is a function of its recorded facts; every order event adds
position(after) − position(before) to its month's row and the all-time row by ADD, in the event's own transaction
(`commerce.order_events`, with the processed-event marker), so a statement always equals a recount over the orders,
whatever the order of arrival or the duplicates. The month is the event's (cash basis).

Onboarding (`accounts.onboard`, `POST /v1/creator/payouts/onboarding`, creators only): the Express account is
created once (Stripe idempotency key `payouts-account-<creator>` + a conditional write of its id on the creator's
row), then a fresh Account Link (`account_onboarding`, return/refresh URLs from config). Connect events (`events`,
dispatched by `commerce.webhooks` with the same signature check and marker): `account.updated` keeps
`details_submitted`, `charges_enabled`, `payouts_enabled` and the requirements due current, an event older than the
stored state's (`created`) being stale; `payout.paid` / `payout.failed` (the event's `account` names the creator) are
one row per payout id, `failed` final.

Money view (`views`, `GET /v1/creator/payouts`): account state, balance per currency (connect: Stripe's Balance of
the connected account; else the held all-time net), payouts newest first (paged); `GET …/statement?month=` and
`…/statement.csv?month=` (one row per currency). Each read is one or two calls whatever the number of orders.
"""
