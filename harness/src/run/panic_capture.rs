//! Catching panics from simulated code as findings, without the default hook's noise.
use std::cell::RefCell;
use std::panic::{self, AssertUnwindSafe};
use std::sync::Once;

thread_local! {
    static CAPTURING: RefCell<Option<String>> = const { RefCell::new(None) };
}

static HOOK: Once = Once::new();

fn install_hook() {
    HOOK.call_once(|| {
        let default = panic::take_hook();
        panic::set_hook(Box::new(move |info| {
            let captured = CAPTURING.with(|c| {
                let mut slot = c.borrow_mut();
                match slot.as_mut() {
                    Some(message) if message.is_empty() => {
                        let location =
                            info.location().map(|l| format!(" at {}:{}", l.file(), l.line())).unwrap_or_default();
                        *message = format!("{}{location}", payload_text(info.payload()));
                        true
                    }
                    Some(_) => true,
                    None => false,
                }
            });
            if !captured {
                default(info);
            }
        }));
    });
}

fn payload_text(payload: &dyn std::any::Any) -> String {
    if let Some(s) = payload.downcast_ref::<&str>() {
        (*s).to_string()
    } else if let Some(s) = payload.downcast_ref::<String>() {
        s.clone()
    } else {
        "panic with a non-string payload".to_string()
    }
}

/// Runs `f`; a panic comes back as Err(message with location) instead of unwinding further.
pub fn catch<R>(f: impl FnOnce() -> R) -> Result<R, String> {
    install_hook();
    CAPTURING.with(|c| *c.borrow_mut() = Some(String::new()));
    let result = panic::catch_unwind(AssertUnwindSafe(f));
    let message = CAPTURING.with(|c| c.borrow_mut().take()).unwrap_or_default();
    result.map_err(|payload| if message.is_empty() { payload_text(payload.as_ref()) } else { message })
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_panic_becomes_an_error_with_its_message() {
        let r: Result<(), String> = super::catch(|| panic!("boom {}", 7));
        let e = r.unwrap_err();
        assert!(e.starts_with("boom 7 at "), "{e}");
        assert_eq!(super::catch(|| 5), Ok(5));
    }
}
