//! Decodes an arbitrary Events API body and translates the event, as the
//! HTTP endpoint does after the signature check: neither step may panic.

#![no_main]

use backoffice_slack::{decode, translate};
use libfuzzer_sys::fuzz_target;
use slack_morphism::prelude::SlackPushEvent;

fuzz_target!(|body: &[u8]| {
    if let Ok(SlackPushEvent::EventCallback(callback)) = decode(body) {
        let _ = translate(&callback, "UBOT");
    }
});
