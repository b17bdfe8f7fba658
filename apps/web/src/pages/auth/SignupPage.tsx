import { FormEvent, useState } from 'react';
import { Link, useNavigate } from 'react-router-dom';
import { api } from '../../api/client';
import { useAction } from '../../api/hooks';
import { Field } from '../../components/Field';
import { ErrorNotice } from '../../components/States';
import { useSession } from '../../session';

type Kind = 'member' | 'brand';

export function SignupPage() {
  const { login } = useSession();
  const navigate = useNavigate();
  const [kind, setKind] = useState<Kind>('member');
  const [name, setName] = useState('');
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const [errors, setErrors] = useState<{ name?: string; email?: string; password?: string }>({});
  const action = useAction();

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    const found: typeof errors = {};
    if (!name.trim()) found.name = kind === 'brand' ? 'Enter your brand name.' : 'Enter your name.';
    if (!/^[^@\s]+@[^@\s]+\.[^@\s]+$/.test(email.trim())) found.email = 'Enter a valid email address.';
    if (password.length < 10) found.password = 'Use at least 10 characters.';
    setErrors(found);
    if (Object.keys(found).length) return;

    const done = await action.run(async () => {
      if (kind === 'member') {
        await api('/auth/register', { method: 'POST', body: { email, password, displayName: name.trim() } });
      } else {
        await api('/brands/register', { method: 'POST', body: { brandName: name.trim(), email, password } });
      }
      return login(email, password);
    });
    if (done) navigate(kind === 'member' ? '/profile' : '/campaigns/new', { replace: true });
  };

  return (
    <section className="narrow">
      <h1>Create an account</h1>
      <form onSubmit={submit} className="card" noValidate>
        <fieldset className="choice">
          <legend>I am</legend>
          <label>
            <input type="radio" name="kind" value="member" checked={kind === 'member'} onChange={() => setKind('member')} /> a member looking for perks
          </label>
          <label>
            <input type="radio" name="kind" value="brand" checked={kind === 'brand'} onChange={() => setKind('brand')} /> a brand giving perks
          </label>
        </fieldset>
        <Field label={kind === 'brand' ? 'Brand name' : 'Your name'} error={errors.name}>
          <input autoComplete={kind === 'brand' ? 'organization' : 'name'} value={name} onChange={(e) => setName(e.target.value)} />
        </Field>
        <Field label="Email" error={errors.email}>
          <input type="email" autoComplete="email" value={email} onChange={(e) => setEmail(e.target.value)} />
        </Field>
        <Field label="Password" hint="At least 10 characters." error={errors.password}>
          <input type="password" autoComplete="new-password" value={password} onChange={(e) => setPassword(e.target.value)} />
        </Field>
        <ErrorNotice error={action.error} />
        <button type="submit" className="primary" disabled={action.busy}>
          {action.busy ? 'Creating your account…' : 'Create account'}
        </button>
      </form>
      <p>
        Already have an account? <Link to="/login">Log in</Link>
      </p>
    </section>
  );
}
