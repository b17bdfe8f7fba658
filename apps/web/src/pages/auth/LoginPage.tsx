import { FormEvent, useState } from 'react';
import { Link, Navigate, useLocation, useNavigate } from 'react-router-dom';
import { useAction } from '../../api/hooks';
import { Field } from '../../components/Field';
import { ErrorNotice } from '../../components/States';
import { homeFor, useSession } from '../../session';

export function LoginPage() {
  const { me, ended, login } = useSession();
  const navigate = useNavigate();
  const location = useLocation();
  const from = (location.state as { from?: string } | null)?.from;
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const action = useAction();

  if (me) return <Navigate to={from ?? homeFor(me)} replace />;

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    const profile = await action.run(() => login(email, password));
    if (profile) navigate(from ?? homeFor(profile), { replace: true });
  };

  return (
    <section className="narrow">
      <h1>Log in</h1>
      {ended && (
        <p className="state state-empty" role="status">
          Your session has ended. Please log in again{from ? ' to go back where you were' : ''}.
        </p>
      )}
      <form onSubmit={submit} className="card" noValidate>
        <Field label="Email">
          <input type="email" autoComplete="email" required value={email} onChange={(e) => setEmail(e.target.value)} />
        </Field>
        <Field label="Password">
          <input type="password" autoComplete="current-password" required value={password} onChange={(e) => setPassword(e.target.value)} />
        </Field>
        <ErrorNotice error={action.error} />
        <button type="submit" className="primary" disabled={action.busy}>
          {action.busy ? 'Logging in…' : 'Log in'}
        </button>
      </form>
      <p>
        New here? <Link to="/signup">Create an account</Link>
      </p>
    </section>
  );
}
