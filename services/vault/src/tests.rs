use super::*;

fn master() -> Arc<dyn MasterKey> {
    Arc::new(LocalMasterKey::generate().unwrap())
}

/// Whether `needle` is anywhere in the files of `dir` (the database, its WAL and shared memory).
fn found_in(dir: &Path, needle: &[u8]) -> Vec<String> {
    std::fs::read_dir(dir)
        .unwrap()
        .filter_map(|e| {
            let path = e.unwrap().path();
            let bytes = std::fs::read(&path).ok()?;
            bytes
                .windows(needle.len())
                .any(|w| w == needle)
                .then(|| path.display().to_string())
        })
        .collect()
}

#[test]
fn a_field_is_sealed_for_its_person_and_opens_only_as_that_field_of_that_person() {
    let dir = tempfile::tempdir().unwrap();
    let keys = KeyStore::open(&dir.path().join("keys.db"), master()).unwrap();
    let text = keys.seal("staff-1", "home_community", "Mutwanga").unwrap();
    assert!(Sealed::is_sealed(&text), "{text}");
    assert!(!text.contains("Mutwanga"), "{text}");
    assert_eq!(
        keys.unseal("staff-1", "home_community", &text).unwrap(),
        Opened::Plain("Mutwanga".into())
    );
    // The same text sealed twice differs (a fresh nonce each time).
    assert_ne!(
        text,
        keys.seal("staff-1", "home_community", "Mutwanga").unwrap()
    );
    // One key per person, kept.
    assert_eq!(
        keys.key_for("staff-1").unwrap().key_id,
        Sealed::parse(&text).unwrap().key_id
    );
    assert_ne!(
        keys.key_for("staff-2").unwrap().key_id,
        keys.key_for("staff-1").unwrap().key_id
    );
    // Moved to another field or another person, or changed: it does not open.
    assert!(matches!(
        keys.unseal("staff-1", "phone", &text),
        Err(VaultError::Tampered)
    ));
    assert!(matches!(
        keys.unseal("staff-2", "home_community", &text),
        Err(VaultError::Tampered)
    ));
    let mut changed = text.clone().into_bytes();
    let last = changed.len() - 2;
    changed[last] = if changed[last] == b'A' { b'B' } else { b'A' };
    assert!(matches!(
        keys.unseal(
            "staff-1",
            "home_community",
            &String::from_utf8(changed).unwrap()
        ),
        Err(VaultError::Tampered)
    ));
    assert!(matches!(
        keys.unseal("staff-1", "home_community", "Mutwanga"),
        Err(VaultError::NotSealed)
    ));
}

#[test]
fn a_destroyed_key_leaves_its_fields_erased_and_lingers_nowhere_in_the_key_store() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("keys.db");
    let master = master();
    let keys = KeyStore::open(&path, Arc::clone(&master)).unwrap();
    let gone = keys.seal("staff-1", "phone", "+243990000001").unwrap();
    let kept = keys.seal("staff-2", "phone", "+243990000002").unwrap();
    let gone_id = Sealed::parse(&gone).unwrap().key_id;
    let wrapped: Vec<u8> = Connection::open(&path)
        .unwrap()
        .query_row(
            "SELECT wrapped FROM data_keys WHERE key_id = ?1",
            params![gone_id],
            |r| r.get(0),
        )
        .unwrap();
    assert!(
        !found_in(dir.path(), &wrapped).is_empty(),
        "the wrapped key is stored"
    );

    assert!(keys.destroy("staff-1").unwrap());
    assert!(!keys.destroy("staff-1").unwrap(), "only once");
    assert_eq!(
        keys.unseal("staff-1", "phone", &gone).unwrap(),
        Opened::Erased
    );
    assert_eq!(
        keys.unseal("staff-2", "phone", &kept).unwrap(),
        Opened::Plain("+243990000002".into())
    );
    assert_eq!(
        found_in(dir.path(), &wrapped),
        Vec::<String>::new(),
        "no copy of the destroyed key in the database, its WAL or its shared memory"
    );
    assert_eq!(
        found_in(dir.path(), gone_id.as_bytes()),
        Vec::<String>::new(),
        "nor its id"
    );
    drop(keys);
    // Opened again, it is still gone; the other still opens.
    let keys = KeyStore::open(&path, master).unwrap();
    assert_eq!(
        keys.unseal("staff-1", "phone", &gone).unwrap(),
        Opened::Erased
    );
    assert_eq!(
        keys.unseal("staff-2", "phone", &kept).unwrap(),
        Opened::Plain("+243990000002".into())
    );
}

#[test]
fn rotating_the_master_key_wraps_the_data_keys_again_and_the_old_one_no_longer_opens_them() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("keys.db");
    let old = master();
    let keys = KeyStore::open(&path, Arc::clone(&old)).unwrap();
    let sealed: Vec<String> = (0..5)
        .map(|i| {
            keys.seal(&format!("staff-{i}"), "notes", &format!("note {i}"))
                .unwrap()
        })
        .collect();
    let new = master();
    assert_eq!(keys.rewrap(Arc::clone(&new)).unwrap(), 5);
    drop(keys);
    let keys = KeyStore::open(&path, new).unwrap();
    for (i, text) in sealed.iter().enumerate() {
        assert_eq!(
            keys.unseal(&format!("staff-{i}"), "notes", text).unwrap(),
            Opened::Plain(format!("note {i}")),
            "the events are as they were"
        );
    }
    let with_old = KeyStore::open(&path, old).unwrap();
    assert!(matches!(
        with_old.unseal("staff-0", "notes", &sealed[0]),
        Err(VaultError::Unwrap { .. })
    ));
}

#[test]
fn a_master_key_is_generated_owner_only_read_back_and_refused_where_others_may_read_it() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("secrets").join("master-key");
    assert!(
        LocalMasterKey::load_or_generate(&path, false).is_err(),
        "not generated unless asked"
    );
    let (made, origin) = LocalMasterKey::load_or_generate(&path, true).unwrap();
    assert_eq!(origin, MasterKeyOrigin::Generated(path.clone()));
    let (read, origin) = LocalMasterKey::load_or_generate(&path, true).unwrap();
    assert_eq!(origin, MasterKeyOrigin::File(path.clone()));
    assert_eq!(made.id(), read.id());
    assert_eq!(*made.to_hex(), *read.to_hex());
    assert!(
        !format!("{read:?}").contains(read.to_hex().as_str()),
        "never printed"
    );
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&path).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).unwrap();
        let e = LocalMasterKey::load_or_generate(&path, true).unwrap_err();
        assert!(e.to_string().contains("others than its owner"), "{e}");
    }
    assert!(LocalMasterKey::from_hex("abc").is_err());
    assert!(LocalMasterKey::from_hex(&"ab".repeat(31)).is_err());
    assert!(LocalMasterKey::from_hex(&format!(" {}\n", "ab".repeat(32))).is_ok());
}

#[test]
fn a_blind_index_is_the_same_for_the_same_value_differs_by_key_store_and_survives_erasures() {
    let dir = tempfile::tempdir().unwrap();
    let master = master();
    let keys = KeyStore::open(&dir.path().join("keys.db"), Arc::clone(&master)).unwrap();
    let a = keys.blind_index("+243990001111").unwrap();
    assert_eq!(a, keys.blind_index("+243990001111").unwrap());
    assert_ne!(a, keys.blind_index("+243990001112").unwrap());
    assert!(!a.contains("243990001111"), "{a}");
    assert!(
        !keys.destroy(INDEX_SUBJECT).unwrap(),
        "the index key is never destroyed"
    );
    drop(keys);
    let again = KeyStore::open(&dir.path().join("keys.db"), master).unwrap();
    assert_eq!(
        a,
        again.blind_index("+243990001111").unwrap(),
        "kept across opens"
    );
    let other_dir = tempfile::tempdir().unwrap();
    let other = KeyStore::open(&other_dir.path().join("keys.db"), self::master()).unwrap();
    assert_ne!(a, other.blind_index("+243990001111").unwrap());
}
